"""Two API instances (two uvicorn servers), two webhook dispatchers and two notifiers on one PostgreSQL and
one Redis behave as one system: shared rate limits, sessions and idempotency; each outbox event delivered and
each mail sent once; a change made through one instance is read fresh on the other, whose read cache held the
old answer (the stores' change notifications reach every instance), and never stale again."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import redis

from api.app import create_app
from api.auth.models import Role
from api.config import Settings
from api.db import Database, Domain
from api.notifications.models import Notification
from api.notifications.service import Notifier
from api.webhooks import service as webhooks
from api.webhooks.service import Dispatcher
from tests.commerce.test_read_cache_workers import on_both, read
from tests.conftest import PASSWORD
from tests.ops.conftest import Shop, serve


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Count)
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()


class _Count(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        with self.server.lock:
            self.server.ids[self.headers["webhook-id"]] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def until_idle(worker: Dispatcher | Notifier) -> None:
    while worker.run_once():
        pass


def test_two_instances_behave_as_one(
    settings: Settings, database: Database, redis_server_url: str, receiver: Receiver, make_user: Any
) -> None:
    redis.Redis.from_url(redis_server_url).flushdb()
    shared = settings.model_copy(update={"redis_url": redis_server_url, "rate_limit_per_minute": 40,
                                         "notify_grace_seconds": 0})
    admin = make_user(Role.admin)
    with serve(create_app(shared, database)) as first, serve(create_app(shared, database)) as second:
        # A login on one instance works on the other; a logout on the other ends it everywhere.
        token = httpx.post(f"{first}/auth/token", json={"email": admin["email"], "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert httpx.get(f"{second}/auth/me", headers=headers).json()["id"] == admin["id"]

        # The same Idempotency-Key on both instances creates one vendor; the second answer is the first replayed.
        body = {"name": "Twin", "slug": "twin", "email": "twin@example.com", "commission_rate": "0.1",
                "default_currency": "EUR"}
        once = {**headers, "Idempotency-Key": "create-twin-vendor"}
        created = httpx.post(f"{first}/admin/vendors", json=body, headers=once)
        replayed = httpx.post(f"{second}/admin/vendors", json=body, headers=once)
        assert created.status_code == replayed.status_code == 201
        assert replayed.headers["idempotent-replayed"] == "true" and replayed.json() == created.json()
        vendors = httpx.get(f"{second}/admin/vendors", headers=headers).json()
        assert [v["slug"] for v in vendors["items"]] == ["twin"]

        # Changes through both instances; each outbox event is delivered once by two concurrent dispatchers.
        with database.transaction(Domain.commerce) as session:
            webhooks.create_subscription(session, shared, url=f"http://127.0.0.1:{receiver.server_address[1]}/",
                                         source=Domain.commerce, topics=["vendor.*"])
        for n in range(10):
            base = first if n % 2 else second
            response = httpx.post(f"{base}/admin/vendors/{created.json()['id']}",
                                  json={"name": f"Twin {n}"}, headers=headers)
            assert response.status_code in (200, 201), response.text
        dispatchers = [Dispatcher(database, shared, httpx.Client()) for _ in range(2)]
        notifiers = [Notifier(database, shared) for _ in range(2)]
        threads = [threading.Thread(target=until_idle, args=(w,)) for w in (*dispatchers, *notifiers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(receiver.ids) == 11 and set(receiver.ids.values()) == {1}  # created + 10 updates, once each
        with database.transaction(Domain.commerce) as session:
            mails = session.query(Notification.kind, Notification.recipient).all()
        assert mails == [("vendor_application_received", "twin@example.com")]  # once, by one of the two notifiers

        # One rate limit across both instances: 40 a minute for this credential, wherever the calls land.
        logout_after = httpx.post(f"{second}/auth/logout", headers=headers)
        assert logout_after.status_code == 204
        assert httpx.get(f"{first}/auth/me", headers=headers).status_code == 401
        # The windows are fixed minutes: count the answers per window (a slow machine may cross a minute), until
        # the first 429. A call that straddles a minute's end is left out of the per-window counts.
        answered_per_window: dict[int, int] = {}
        codes: list[int] = []
        for n in range(200):
            window = int(time.time() // 60)
            code = httpx.get(f"{(first, second)[n % 2]}/auth/me", headers=headers).status_code
            codes.append(code)
            if code == 429:
                break
            if int(time.time() // 60) == window:
                answered_per_window[window] = answered_per_window.get(window, 0) + 1
        assert 401 in codes and codes[-1] == 429
        assert max(answered_per_window.values()) <= 40


def served_fresh(instance: httpx.Client, observe: Any, expected: Any) -> None:
    """The instance shows the change once its notification lands (within `on_both`'s window), and every read
    after that shows it too: nothing stale is served again."""
    on_both([instance], observe, expected)
    assert [observe(instance) for _ in range(5)] == [expected] * 5


def test_a_change_through_one_instance_is_read_fresh_on_the_other(
    shop: Shop, settings: Settings, database: Database
) -> None:
    vendor = shop.vendor()
    product = shop.product(vendor["id"], title="Twin Lamp", prices={"EUR": 1000})
    variant = product["variants"][0]
    tenant = shop.ok(shop.client.post("/api/tenants", json={"name": "Twins", "slug": "twins",
                                                            "vendorId": vendor["id"]}, headers=shop.admin), 201)["doc"]
    shop.ok(shop.client.patch(f"/api/tenants/{tenant['id']}", json={"status": "active"}, headers=shop.admin))
    page = shop.ok(shop.client.post("/api/pages", json={"title": "Home", "slug": "home", "tenant": tenant["id"]},
                                    headers=shop.admin), 201)["doc"]
    shop.ok(shop.client.post(f"/api/pages/{page['id']}/publish", headers=shop.admin))

    def price(instance: httpx.Client) -> int:
        detail = read(instance, f"/store/products/{product['id']}", shop.store, currency_code="EUR")
        amount: int = detail["variants"][0]["calculated_price"]["amount"]
        return amount

    def page_titles(instance: httpx.Client) -> list[str]:
        return [d["title"] for d in read(instance, "/api/pages", {}, **{"where[slug][equals]": "home"})["docs"]]

    with serve(create_app(settings, database)) as first_url, serve(create_app(settings, database)) as second_url, \
            httpx.Client(base_url=first_url, timeout=30) as first, \
            httpx.Client(base_url=second_url, timeout=30) as second:
        # Both instances answer from their read cache (`read` checks the answer is served again unchanged).
        for instance in (first, second):
            assert price(instance) == 1000 and page_titles(instance) == ["Home"]

        # A price changed through the first instance: the second serves the new price, never the cached one.
        repriced = {"id": variant["id"], "title": variant["title"], "sku": variant["sku"],
                    "options": variant["options"], "prices": [{"currency_code": "EUR", "amount": 1250}]}
        changed = first.post(f"/admin/products/{product['id']}", json={"variants": [repriced]}, headers=shop.admin)
        assert changed.status_code == 200, changed.text
        served_fresh(second, price, 1250)

        # A page edited and published through the second instance: the first serves the new title.
        assert second.patch(f"/api/pages/{page['id']}", json={"title": "Welcome"},
                            headers=shop.admin).status_code == 200
        assert second.post(f"/api/pages/{page['id']}/publish", headers=shop.admin).status_code == 200
        served_fresh(first, page_titles, ["Welcome"])
        # ... and deleted through the first: gone on the second.
        assert first.delete(f"/api/pages/{page['id']}", headers=shop.admin).status_code == 200
        served_fresh(second, page_titles, [])
        served_fresh(second, lambda instance: instance.get(f"/api/pages/{page['id']}").status_code, 404)
