from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from standardwebhooks import Webhook

from api.clock import utcnow
from api.config import Settings
from api.db import Database, DatabaseUrls, Domain
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent, ContentOutboxEvent
from api.webhooks.models import WebhookDelivery
from api.webhooks.service import Dispatcher
from connectors.webhooks import signing
from tests.conftest import assert_problem


class Receiver:
    """A real HTTP endpoint on loopback that records what it receives and can fail on purpose."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.failures_left = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with receiver.lock:
                    failing = receiver.failures_left > 0
                    if failing:
                        receiver.failures_left -= 1
                    else:
                        receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def event_ids(self) -> list[str]:
        return [json.loads(body)["id"] for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def dispatcher(database: Database, settings: Settings) -> Iterator[Dispatcher]:
    with httpx.Client() as http:
        yield Dispatcher(database, settings.model_copy(update={"webhook_max_attempts": 3}), http)


def subscribe(client: TestClient, headers: dict[str, str], url: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/admin/webhooks", json={"url": url, "source": "commerce", "topics": ["*"], **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def emit(database: Database, topic: str, entity_id: str = "prod_1", domain: Domain = Domain.commerce) -> str:
    event_class = CommerceOutboxEvent if domain is Domain.commerce else ContentOutboxEvent
    with database.transaction(domain) as session:
        event = outbox.record(session, event_class, topic, topic.split(".")[0], entity_id, {"id": entity_id})
        session.flush()
        return event.id


def deliveries(database: Database) -> list[WebhookDelivery]:
    with database.transaction(Domain.commerce) as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.event_position)))


def make_due(database: Database) -> None:
    with database.transaction(Domain.commerce) as session:
        session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_events_are_delivered_signed_per_the_standard_webhooks_scheme(
    client: TestClient, admin_headers: dict[str, str], database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    subscription = subscribe(client, admin_headers, receiver.url, topics=["product.*"])
    product_event = emit(database, "product.updated")
    emit(database, "order.placed", "order_1")

    dispatcher.run_once()

    assert receiver.event_ids() == [product_event]
    headers, body = receiver.received[0]
    assert headers["webhook-id"] == product_event
    payload = Webhook(subscription["secret"]).verify(body, headers)  # the reference implementation accepts it
    assert payload["type"] == "product.updated" and payload["data"] == {"id": "prod_1"}
    assert [d.status for d in deliveries(database)] == ["delivered"]


def test_the_secret_is_shown_once_and_stored_encrypted(
    client: TestClient, admin_headers: dict[str, str], database: Database, receiver: Receiver
) -> None:
    subscription = subscribe(client, admin_headers, receiver.url)
    assert subscription["secret"].startswith("whsec_")
    listed = client.get("/admin/webhooks", headers=admin_headers).json()
    assert "secret" not in listed[0]
    with database.transaction(Domain.commerce) as session:
        stored: str = session.execute(text("SELECT secret_encrypted FROM commerce.webhook_subscriptions")).scalar_one()
    assert subscription["secret"] not in stored


def test_a_failing_receiver_is_retried_with_backoff_then_succeeds(
    client: TestClient, admin_headers: dict[str, str], database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    subscribe(client, admin_headers, receiver.url)
    event_id = emit(database, "product.created")
    receiver.failures_left = 1

    dispatcher.run_once()
    [delivery] = deliveries(database)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.next_attempt_at > utcnow()
    assert dispatcher.deliver_due() == 0  # not due yet

    make_due(database)
    dispatcher.run_once()
    [delivery] = deliveries(database)
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert receiver.event_ids() == [event_id]


def test_after_the_last_try_a_delivery_is_dead_and_an_admin_can_replay_it(
    client: TestClient, admin_headers: dict[str, str], database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    subscribe(client, admin_headers, receiver.url)
    event_id = emit(database, "order.placed", "order_9")
    receiver.failures_left = 3
    for _ in range(3):
        dispatcher.run_once()
        make_due(database)
    [delivery] = deliveries(database)
    assert delivery.status == "dead" and delivery.attempts == 3

    dead = client.get("/admin/webhooks/deliveries", params={"status": "dead"}, headers=admin_headers).json()
    assert dead["total"] == 1
    replayed = client.post(f"/admin/webhooks/deliveries/{delivery.id}/replay", headers=admin_headers)
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    assert_problem(
        client.post(f"/admin/webhooks/deliveries/{delivery.id}/replay", headers=admin_headers), 409, "conflict"
    )
    dispatcher.run_once()
    assert receiver.event_ids() == [event_id]
    assert [d.status for d in deliveries(database)] == ["delivered"]


def test_several_dispatchers_deliver_each_event_once(
    client: TestClient, admin_headers: dict[str, str], database: Database, settings: Settings, receiver: Receiver
) -> None:
    subscribe(client, admin_headers, receiver.url)
    emitted = {emit(database, "product.updated", f"prod_{i}") for i in range(40)}

    def work() -> None:
        with httpx.Client() as http:
            worker = Dispatcher(database, settings, http)
            while worker.run_once():
                pass

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(receiver.event_ids()) == sorted(emitted)


def test_an_event_committed_late_with_a_lower_position_is_not_skipped(
    client: TestClient, admin_headers: dict[str, str], database: Database, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    subscribe(client, admin_headers, receiver.url)
    with database.transaction(Domain.commerce) as slow:
        slow_event = outbox.record(slow, CommerceOutboxEvent, "product.updated", "product", "prod_slow", {})
        slow.flush()  # takes the lower position, commits later
        fast_event = emit(database, "product.updated", "prod_fast")
        dispatcher.run_once()
        assert receiver.event_ids() == [fast_event]
    dispatcher.run_once()
    assert receiver.event_ids() == [fast_event, slow_event.id]


def test_content_events_are_delivered_and_a_down_content_store_does_not_stop_commerce(
    client: TestClient,
    admin_headers: dict[str, str],
    database: Database,
    urls: DatabaseUrls,
    settings: Settings,
    receiver: Receiver,
) -> None:
    subscribe(client, admin_headers, receiver.url, source="content", topics=["page.published"])
    content_event = emit(database, "page.published", "page_1", Domain.content)
    with httpx.Client() as http:
        Dispatcher(database, settings, http).run_once()
    assert receiver.event_ids() == [content_event]

    subscribe(client, admin_headers, receiver.url, topics=["order.*"])
    order_event = emit(database, "order.placed", "order_1")
    content_down = Database(
        DatabaseUrls(commerce=urls.commerce, content="postgresql+psycopg://postgres@127.0.0.1:1/none"),
        settings.model_copy(update={"db_connect_timeout_seconds": 1}),
    )
    with httpx.Client() as http:
        Dispatcher(content_down, settings, http).run_once()
    assert receiver.event_ids() == [content_event, order_event]
    content_down.dispose()


def test_signature_verification_rejects_forgeries_and_replays() -> None:
    secret, other = signing.new_secret(), signing.new_secret()
    body = '{"id":"evt_1"}'
    now = utcnow()
    signing.verify(secret, body.encode(), signing.signed_headers(secret, "evt_1", now, body))
    with pytest.raises(signing.InvalidSignature):
        signing.verify(other, body.encode(), signing.signed_headers(secret, "evt_1", now, body))
    with pytest.raises(signing.InvalidSignature):
        signing.verify(secret, b'{"id":"evt_2"}', signing.signed_headers(secret, "evt_1", now, body))
    stale = now - timedelta(minutes=6)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(secret, body.encode(), signing.signed_headers(secret, "evt_1", stale, body))
    for broken in ({}, {"webhook-id": "x", "webhook-timestamp": "soon", "webhook-signature": "v1,???"}):
        with pytest.raises(signing.InvalidSignature):
            signing.verify(secret, body.encode(), broken)


def test_bad_subscriptions_are_rejected(client: TestClient, admin_headers: dict[str, str]) -> None:
    for body in (
        {"url": "not a url", "source": "commerce", "topics": ["*"]},
        {"url": "http://x.test/h", "source": "commerce", "topics": ["DROP TABLE"]},
        {"url": "http://x.test/h", "source": "elsewhere", "topics": ["*"]},
        {"url": "http://x.test/h", "source": "commerce", "topics": []},
        {"url": "http://x.test/h", "source": "commerce", "topics": ["*"], "secret": "hunter2"},
    ):
        assert_problem(client.post("/admin/webhooks", json=body, headers=admin_headers), 422, "validation-failed")
    assert_problem(client.get("/admin/webhooks/whk_missing", headers=admin_headers), 404, "not-found")
    assert client.get("/admin/webhooks", headers=admin_headers).json() == []
