"""`/metrics`: the series an operator watches move with traffic; several uvicorn workers report as one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.commission_runs.models import CommissionRun
from api.db import Database, DatabaseUrls, Domain
from tests.commerce.conftest import Shop, shop, store_headers
from tests.conftest import PROJECT_ROOT, free_port

__all__ = ["shop", "store_headers"]


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def test_metrics_move_with_traffic(client: TestClient, shop: Shop, database: Database) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    variant = shop.product(vendor["id"], stock=5)["variants"][0]["id"]
    cart = shop.ready_cart([(variant, 1)])
    with database.transaction(Domain.commerce) as session:
        session.add(CommissionRun(period_start=date(2026, 1, 1), period_end=date(2026, 1, 1), finding_count=3))
    before = scrape(client)

    complete = "/store/carts/{cart_id}/complete"
    shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    assert client.post("/store/carts/cart_missing/complete", headers=shop.store).status_code == 404
    for _ in range(2):
        assert client.get("/store/products", headers=shop.store).status_code == 200
    assert client.get("/media/med_nothing/original").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("marketplace_http_requests_total", method="POST", route=complete, status="200") == 1
    assert delta("marketplace_http_requests_total", method="POST", route=complete, status="404") == 1
    assert delta("marketplace_http_requests_total", method="GET", route="/media/{media_id}/{size}", status="404") == 1
    assert delta("marketplace_http_request_duration_seconds_count", method="POST", route=complete) == 2
    assert delta("marketplace_checkouts_total", outcome="completed") == 1
    assert delta("marketplace_checkouts_total", outcome="not-found") == 1
    # The first read builds the answer (a miss of the route's cache); the repeat is answered before routing.
    assert delta("marketplace_cache_lookups_total", cache="answers", result="miss") >= 1
    assert delta("marketplace_cache_lookups_total", cache="shared", result="hit") >= 1
    # Read from the database when scraped: the checkout's events wait in the outbox (no dispatcher runs here).
    assert value(after, "marketplace_outbox_backlog_events", store="commerce") > value(
        before, "marketplace_outbox_backlog_events", store="commerce")
    assert value(after, "marketplace_outbox_oldest_event_age_seconds", store="commerce") > 0
    assert value(after, "marketplace_outbox_backlog_events", store="content") == 0
    for state in ("pending", "delivered", "dead"):
        assert ("marketplace_webhook_deliveries", frozenset({("state", state)})) in after
    assert value(after, "marketplace_commission_runs", status="draft") == 1
    assert value(after, "marketplace_commission_run_findings", status="draft") == 3
    assert value(after, "marketplace_db_pool_size", store="shared") > 0
    assert ("marketplace_db_pool_connections_in_use", frozenset({("store", "shared")})) in after


def test_several_workers_report_as_one(urls: DatabaseUrls, tmp_path: Path) -> None:
    port = free_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = {**os.environ, "DATABASE_URL": urls.commerce, "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
           "LOG_LEVEL": "WARNING", "DB_POOL_SIZE": "3", "DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "uvicorn"), "api.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2", "--no-access-log"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        # Both workers are up once both have written their pool size (each worker adds its own).
        while True:
            try:
                scraped = samples(httpx.get(f"{base}/metrics", timeout=5).text)
                if value(scraped, "marketplace_db_pool_size", store="shared") == 6:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "two workers did not come up"
            time.sleep(0.5)
        for _ in range(40):  # a new connection each: the kernel spreads them over the workers
            assert httpx.get(f"{base}/health", timeout=30).status_code == 200
        for _ in range(4):  # whichever worker answers the scrape, it reports every worker's requests
            scraped = samples(httpx.get(f"{base}/metrics", timeout=30).text)
            assert value(scraped, "marketplace_http_requests_total", method="GET", route="/health",
                         status="200") == 40
        assert len(list(multiproc.glob("counter_*.db"))) == 2
    finally:
        process.terminate()
        process.wait(timeout=30)
