"""Webhook sync latency: a change committed in the commerce store -> visible in the content store.

Starts the API (uvicorn) and one webhook dispatcher on the configured database, makes N product changes
one after another through the catalog service, and times each until the content store shows it.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/marketplace_bench .venv/bin/python bench/sync_latency.py -n 300

Without DATABASE_URL the embedded PostgreSQL under .data/ is used. The database gets a throwaway vendor
and product; nothing else is touched.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import select

from api import migrate
from api.catalog.schemas import ProductIn, ProductUpdate
from api.catalog.service import create_product, update_product
from api.config import PROJECT_ROOT, get_settings
from api.content.products.models import ProductContent
from api.db import Database, Domain, resolve_urls
from api.sync import service as sync_service
from api.vendors.models import VendorStatus
from api.vendors.schemas import VendorIn
from api.vendors.service import create_vendor


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--changes", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one change")
    args = parser.parse_args()

    port = free_port()
    settings = get_settings().model_copy(
        update={"public_base_url": f"http://127.0.0.1:{port}", "dispatcher_poll_seconds": 0.02}
    )
    urls = resolve_urls(settings)
    migrate.upgrade(urls)
    database = Database(urls, settings)
    tag = secrets.token_hex(3)
    with database.transaction(Domain.commerce) as session:
        vendor = create_vendor(
            session,
            VendorIn(name=f"Bench {tag}", slug=f"bench-{tag}", email=f"bench-{tag}@example.com",
                     commission_rate=Decimal("0.1"), default_currency="EUR"),
            status=VendorStatus.approved,
        )
        product = create_product(
            session,
            ProductIn.model_validate({"vendor_id": vendor.id, "title": "Bench 0", "handle": f"bench-{tag}",
                                      "status": "published", "options": [], "variants": []}),
        )
        product_id = product.id
        sync_service.ensure_internal_subscriptions(session, settings)

    env = {
        **os.environ,
        "COMMERCE_DATABASE_URL": urls.commerce,
        "CONTENT_DATABASE_URL": urls.content,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "DISPATCHER_POLL_SECONDS": "0.02",
        "LOG_LEVEL": "WARNING",
    }
    bin_dir = Path(sys.executable).parent
    api = subprocess.Popen(
        [str(bin_dir / "uvicorn"), "api.main:app", "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env, cwd=PROJECT_ROOT,
    )
    dispatcher = subprocess.Popen([str(bin_dir / "marketplace"), "dispatch"], env=env, cwd=PROJECT_ROOT,
                                  stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{settings.public_base_url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        latencies: list[float] = []
        lost = 0
        for i in range(1, args.changes + 1):
            title = f"Bench {i}"
            with database.transaction(Domain.commerce) as session:
                update_product(session, product_id, ProductUpdate(title=title))
            committed = time.perf_counter()
            deadline = committed + args.timeout
            while True:
                with database.transaction(Domain.content) as session:
                    seen = session.scalar(select(ProductContent.title).where(ProductContent.product_id == product_id))
                if seen == title:
                    latencies.append((time.perf_counter() - committed) * 1000)
                    break
                if time.perf_counter() > deadline:
                    lost += 1
                    break
                time.sleep(0.002)
            if i % 50 == 0:
                print(f"  {i}/{args.changes} changes measured", flush=True)
        print(
            f"webhook sync latency over {len(latencies)} changes (commit in commerce -> visible in content): "
            f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
            f"p99 {percentile(latencies, 99):.0f} ms, mean {statistics.fmean(latencies):.0f} ms; "
            f"not visible within {args.timeout:.0f} s: {lost}"
        )
    finally:
        for process in (dispatcher, api):
            process.terminate()
            process.wait(timeout=15)


if __name__ == "__main__":
    main()
