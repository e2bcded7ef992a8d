"""Finding 6: webhook URLs may not reach private, loopback, link-local or metadata addresses, neither when
saved nor at delivery after DNS resolution (unless allow-listed), and a receiver's answer is never stored."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api import crypto
from api.app import create_app
from api.config import Settings
from api.db import Database, Domain
from api.webhooks.models import WebhookDelivery, WebhookSubscription
from api.webhooks.service import Dispatcher
from connectors.webhooks import signing
from tests.conftest import assert_problem
from tests.test_webhooks import emit

LEAK = "db-password=hunter2 internal stack trace"


class Receiver:
    """A loopback endpoint that counts posts and answers with a status and a body that must not be kept."""

    def __init__(self, status: int) -> None:
        self.hits = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                receiver.hits += 1
                self.send_response(status)
                self.send_header("content-length", str(len(LEAK)))
                self.end_headers()
                self.wfile.write(LEAK.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def strict(settings: Settings) -> Settings:
    """The production default: no allow-list."""
    return settings.model_copy(update={"webhook_allowed_networks": [], "webhook_max_attempts": 3})


@pytest.fixture
def strict_client(strict: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(strict, database), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.0.0.1:6379/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://100.64.0.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://localhost:8000/hook",
        "http://metadata.internal/computeMetadata/v1/",
        "http://0.0.0.0:5432/",
    ],
)
def test_private_and_metadata_urls_are_refused_when_saved(
    strict_client: TestClient, admin_headers: dict[str, str], database: Database, url: str
) -> None:
    created = strict_client.post(
        "/admin/webhooks", json={"url": url, "source": "commerce", "topics": ["*"]}, headers=admin_headers
    )
    assert_problem(created, 422, "validation-failed")
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(WebhookSubscription)) is None


def test_a_url_cannot_be_changed_to_a_private_address(
    strict_client: TestClient, admin_headers: dict[str, str]
) -> None:
    created = strict_client.post(
        "/admin/webhooks",
        json={"url": "https://93.184.215.14/hook", "source": "commerce", "topics": ["*"]},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    changed = strict_client.patch(
        f"/admin/webhooks/{created.json()['id']}", json={"url": "http://169.254.169.254/"}, headers=admin_headers
    )
    assert_problem(changed, 422, "validation-failed")
    again = strict_client.get(f"/admin/webhooks/{created.json()['id']}", headers=admin_headers).json()
    assert again["url"] == "https://93.184.215.14/hook"


def _subscription_row(database: Database, settings: Settings, url: str) -> None:
    """A subscription saved before this rule, or whose name resolved elsewhere when it was saved."""
    with database.transaction(Domain.commerce) as session:
        session.add(
            WebhookSubscription(
                url=url,
                source="commerce",
                topics=["*"],
                secret_encrypted=crypto.encrypt(settings, signing.new_secret()),
            )
        )


def test_delivery_checks_the_resolved_address(strict: Settings, database: Database) -> None:
    receiver = Receiver(204)
    try:
        # `localhost` only becomes 127.0.0.1 once resolved at delivery time.
        _subscription_row(database, strict, f"http://localhost:{receiver.port}/hook")
        _subscription_row(database, strict, f"http://127.0.0.1:{receiver.port}/hook")
        emit(database, "product.updated")
        with httpx.Client() as http:
            Dispatcher(database, strict, http).run_once()
        assert receiver.hits == 0
        with database.transaction(Domain.commerce) as session:
            rows = list(session.scalars(select(WebhookDelivery)))
        assert len(rows) == 2
        assert all(r.status == "pending" and r.last_error == "BlockedAddress: not a public address" for r in rows)

        # The allow-list (the demo's own receivers) lets them through.
        allowed = strict.model_copy(update={"webhook_allowed_networks": ["127.0.0.1/32", "::1/128"]})
        with database.transaction(Domain.commerce) as session:
            for row in session.scalars(select(WebhookDelivery)):
                row.next_attempt_at = row.created_at
        with httpx.Client() as http:
            Dispatcher(database, allowed, http).run_once()
        assert receiver.hits == 2
    finally:
        receiver.server.shutdown()


def test_failed_deliveries_keep_the_status_code_only(
    client: TestClient, admin_headers: dict[str, str], database: Database, settings: Settings
) -> None:
    receiver = Receiver(500)
    try:
        created = client.post(
            "/admin/webhooks",
            json={"url": f"http://127.0.0.1:{receiver.port}/hook", "source": "commerce", "topics": ["*"]},
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text
        emit(database, "product.updated")
        with httpx.Client() as http:
            Dispatcher(database, settings, http).run_once()
        assert receiver.hits == 1
        listed = client.get("/admin/webhooks/deliveries", headers=admin_headers).json()["items"]
        assert listed[0]["last_status_code"] == 500
        assert listed[0]["last_error"] == "HTTP 500"
        assert "hunter2" not in str(listed)
    finally:
        receiver.server.shutdown()
