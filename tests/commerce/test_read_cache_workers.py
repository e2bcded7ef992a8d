"""The read cache across processes: two API servers (separate uvicorn processes on one database, as two
workers are) serve cached catalog and content answers, and the first read after any change a reader could
see shows it on both, with no query per request deciding that (api/cache_events.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.db import DatabaseUrls, Domain
from api.outbox.models import ContentOutboxEvent
from tests.commerce.conftest import Shop
from tests.conftest import PROJECT_ROOT, free_port


@pytest.fixture(scope="module")
def workers(urls: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[httpx.Client]]:
    env = {
        **os.environ,
        "DATABASE_URL": urls.commerce,
        "DATA_DIR": str(tmp_path_factory.mktemp("workers")),
        "RATE_LIMIT_PER_MINUTE": "100000",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    processes: list[subprocess.Popen[bytes]] = []
    clients: list[httpx.Client] = []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(subprocess.Popen(
                [str(Path(sys.executable).parent / "uvicorn"), "api.main:app", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning"],
                cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            clients.append(httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30))
        deadline = time.monotonic() + 90
        for client in clients:
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the API servers did not start"
                time.sleep(0.2)
        yield clients
    finally:
        for client in clients:
            client.close()
        for process in processes:
            process.terminate()
            process.wait(15)


# A NOTIFY reaches every worker when PostgreSQL wakes the listening backends, after the writer's commit:
# within milliseconds, later on a loaded machine. Each worker must show the change once it lands, and never
# an older answer after that (the read helper checks the answer is then cached).
PROPAGATION_SECONDS = 2.0


def on_both(workers: list[httpx.Client], observe: Callable[[httpx.Client], Any], expected: Any) -> None:
    for worker in workers:
        deadline = time.monotonic() + PROPAGATION_SECONDS
        while (seen := observe(worker)) != expected and time.monotonic() < deadline:
            time.sleep(0.005)
        assert seen == expected


def read(client: httpx.Client, url: str, headers: dict[str, str], **params: Any) -> Any:
    """An answer that the worker then serves again unchanged (the cached twin: same body and ETag), and
    answers 304 to a conditional read of. (A change landing between two reads starts over.)"""
    first = client.get(url, params=params, headers=headers)
    for _ in range(20):
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "public, no-cache"
        again = client.get(url, params=params, headers=headers)
        if again.headers["etag"] == first.headers["etag"]:
            assert again.content == first.content
            conditional = {**headers, "If-None-Match": first.headers["etag"]}
            assert client.get(url, params=params, headers=conditional).status_code == 304
            return first.json()
        first = again
    raise AssertionError(f"{url} never settled")


def test_every_visible_change_shows_on_both_workers(shop: Shop, workers: list[httpx.Client]) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    product = shop.product(vendor["id"], title="Cached Lamp", prices={"EUR": 1000}, stock=3)
    variant = product["variants"][0]
    tenant = shop.ok(shop.client.post("/api/tenants", json={"name": "Acme", "slug": "acme", "vendorId": vendor["id"]},
                                      headers=shop.admin), 201)["doc"]
    shop.ok(shop.client.patch(f"/api/tenants/{tenant['id']}", json={"status": "active"}, headers=shop.admin))
    page = shop.ok(shop.client.post("/api/pages", json={"title": "Home", "slug": "home", "tenant": tenant["id"]},
                                    headers=shop.admin), 201)["doc"]
    shop.ok(shop.client.post(f"/api/pages/{page['id']}/publish", headers=shop.admin))
    store = shop.store
    eur = {"currency_code": "EUR"}
    detail_url = f"/store/products/{product['id']}"
    pages = {"where[slug][equals]": "home", "depth": "1"}

    def product_titles(client: httpx.Client) -> list[str]:
        return [p["title"] for p in read(client, "/store/products", store, **eur)["items"]]

    def detail(client: httpx.Client) -> dict[str, Any]:
        variant_out: dict[str, Any] = read(client, detail_url, store, **eur)["variants"][0]
        return variant_out

    def page_titles(client: httpx.Client) -> list[str]:
        return [d["title"] for d in read(client, "/api/pages", {}, **pages)["docs"]]

    for worker in workers:
        assert product_titles(worker) == ["Cached Lamp"]
        assert detail(worker)["calculated_price"]["amount"] == 1000
        assert detail(worker)["available_quantity"] == 3
        assert page_titles(worker) == ["Home"]
        assert read(worker, f"/api/tenants/{tenant['id']}", {})["status"] == "active"

    # A product.
    shop.ok(shop.client.post(f"/admin/products/{product['id']}", json={"title": "Renamed Lamp"}, headers=shop.admin))
    on_both(workers, product_titles, ["Renamed Lamp"])

    # A price.
    repriced = {"id": variant["id"], "title": variant["title"], "sku": variant["sku"], "options": variant["options"],
                "prices": [{"currency_code": "EUR", "amount": 1250}]}
    shop.ok(shop.client.post(f"/admin/products/{product['id']}", json={"variants": [repriced]}, headers=shop.admin))
    on_both(workers, lambda w: detail(w)["calculated_price"]["amount"], 1250)

    # Stock.
    shop.ok(shop.client.post(f"/admin/inventory/{variant['id']}", json={"stocked_quantity": 7}, headers=shop.admin))
    on_both(workers, lambda w: detail(w)["available_quantity"], 7)

    # A page: changed and published, then deleted.
    shop.ok(shop.client.patch(f"/api/pages/{page['id']}", json={"title": "Welcome"}, headers=shop.admin))
    shop.ok(shop.client.post(f"/api/pages/{page['id']}/publish", headers=shop.admin))
    on_both(workers, page_titles, ["Welcome"])
    shop.ok(shop.client.delete(f"/api/pages/{page['id']}", headers=shop.admin))
    on_both(workers, page_titles, [])
    on_both(workers, lambda w: w.get(f"/api/pages/{page['id']}").status_code, 404)
    with shop.database.transaction(Domain.content) as session:
        deleted = session.scalars(select(ContentOutboxEvent.topic).where(ContentOutboxEvent.entity_id == page["id"]))
        assert "pages.deleted" in set(deleted)

    # A tenant's status: a suspended tenant's documents are no longer public.
    shop.ok(shop.client.patch(f"/api/tenants/{tenant['id']}", json={"status": "suspended"}, headers=shop.admin))
    on_both(workers, lambda w: w.get(f"/api/tenants/{tenant['id']}").status_code, 404)

    # A vendor's status hides its products from the catalog.
    shop.ok(shop.client.post(f"/admin/vendors/{vendor['id']}/suspend", headers=shop.admin))
    on_both(workers, product_titles, [])

    # A revoked publishable key stops working at once, though its actor was cached on both workers.
    keys = shop.ok(shop.client.get("/admin/api-keys", headers=shop.admin))
    key_id = next(k["id"] for k in keys if k["kind"] == "publishable")
    shop.ok(shop.client.post(f"/admin/api-keys/{key_id}/revoke", headers=shop.admin))
    on_both(workers, lambda w: w.get("/store/products", headers=store).status_code, 401)
