"""Two API instances (two uvicorn servers), two webhook dispatchers and two notifiers on one PostgreSQL and
one Redis behave as one system: shared rate limits, sessions and idempotency; each outbox event delivered and
each mail sent once."""

from __future__ import annotations

import threading
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
from tests.conftest import PASSWORD
from tests.ops.conftest import serve


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
        codes = [httpx.get(f"{(first, second)[n % 2]}/auth/me", headers=headers).status_code for n in range(60)]
        assert 401 in codes and codes.count(429) > 0
        used = len(codes) - codes.count(429)
        assert used <= 40
