"""Finding 3: the idempotency store never keeps a secret-bearing answer, its rows expire and are purged,
each client's keys are bounded, and request bodies are capped before anything reads them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text

from api.app import create_app
from api.auth.models import ApiKey
from api.clock import utcnow
from api.config import Settings
from api.db import Database, Domain
from api.idempotency.models import IdempotencyRecord
from tests.conftest import PASSWORD, assert_problem


def _stored_bytes(database: Database) -> str:
    """Everything the idempotency table holds, as text."""
    with database.engine(Domain.commerce).connect() as conn:
        rows = conn.execute(text("SELECT * FROM commerce.idempotency_keys")).all()
    return " ".join(
        (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)) for row in rows for value in row
    )


def test_login_tokens_are_not_stored_and_a_retry_is_told_so(
    client: TestClient, database: Database, make_user: Callable[..., dict[str, Any]]
) -> None:
    user = make_user()
    headers = {"Idempotency-Key": "login-1"}
    first = client.post("/auth/token", json={"email": user["email"], "password": PASSWORD}, headers=headers)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    token = first.json()["access_token"]
    assert token not in _stored_bytes(database)
    assert "tok_" not in _stored_bytes(database)

    retry = client.post("/auth/token", json={"email": user["email"], "password": PASSWORD}, headers=headers)
    body = assert_problem(retry, 409, "idempotency-secret-withheld")
    assert body["original_status"] == 200
    assert "tok_" not in retry.text


def test_api_key_and_webhook_secrets_are_not_stored_and_not_created_twice(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "key-1"}
    body = {"name": "integration", "kind": "secret", "scopes": ["admin:read"]}
    first = client.post("/admin/api-keys", json=body, headers=headers)
    assert first.status_code == 201
    retry = client.post("/admin/api-keys", json=body, headers=headers)
    assert_problem(retry, 409, "idempotency-secret-withheld")
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(func.count()).select_from(ApiKey)) == 1

    rotated = client.post(
        f"/admin/api-keys/{first.json()['id']}/rotate", headers={**admin_headers, "Idempotency-Key": "rot-1"}
    )
    assert rotated.status_code == 200
    hook = client.post(
        "/admin/webhooks",
        json={"url": "https://hooks.example.com/in", "source": "commerce", "topics": ["*"]},
        headers={**admin_headers, "Idempotency-Key": "hook-1"},
    )
    assert hook.status_code == 201, hook.text
    stored = _stored_bytes(database)
    for secret in (first.json()["secret"], rotated.json()["secret"], hook.json()["secret"]):
        assert secret not in stored
    assert "sk_" not in stored and "whsec_" not in stored


def test_expired_rows_are_purged_and_not_replayed(
    client: TestClient, database: Database, admin_headers: dict[str, str], settings: Settings
) -> None:
    old = utcnow() - timedelta(seconds=settings.idempotency_ttl_seconds + 60)
    with database.transaction(Domain.commerce) as session:
        session.execute(
            insert(IdempotencyRecord).values(
                [
                    {"client": "ip:203.0.113.9", "key": f"old-{n}", "fingerprint": "f" * 64, "method": "POST",
                     "path": "/x", "status_code": 201, "response_body": b"{}", "created_at": old}
                    for n in range(3)
                ]
            )
        )
    body = {"name": "Europe", "currency_code": "EUR", "tax_rate": "0.2000", "countries": ["DE"]}
    answer = client.post("/admin/regions", json=body, headers={**admin_headers, "Idempotency-Key": "fresh"})
    assert answer.status_code == 201
    with database.transaction(Domain.commerce) as session:
        keys = set(session.scalars(select(IdempotencyRecord.key)))
    assert keys == {"fresh"}


def test_each_client_keeps_a_bounded_number_of_keys(settings: Settings, database: Database) -> None:
    capped = settings.model_copy(update={"idempotency_max_keys_per_client": 3})
    with TestClient(create_app(capped, database), raise_server_exceptions=False) as client:
        for n in range(6):  # anonymous, remembered answers (404s)
            client.post("/store/nothing-here", json={}, headers={"Idempotency-Key": f"anon-{n}"})
    with database.transaction(Domain.commerce) as session:
        keys = sorted(session.scalars(select(IdempotencyRecord.key)))
    assert keys == ["anon-3", "anon-4", "anon-5"]


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_bodies_are_capped_before_authentication(settings: Settings, database: Database) -> None:
    small = settings.model_copy(update={"max_request_body_bytes": 100_000})
    with TestClient(create_app(small, database), raise_server_exceptions=False) as client:
        # Declared too large: refused before the body is read or the caller authenticated (no 401).
        declared = client.post(
            "/admin/api-keys", content=b"x" * 200_000, headers={"Content-Type": "application/json"}
        )
        assert_problem(declared, 413, "payload-too-large")
        # Streamed without a length: counted as it arrives, with and without an Idempotency-Key.
        for extra in ({}, {"Idempotency-Key": "big"}):
            streamed = client.post(
                "/admin/api-keys",
                content=_chunks(500_000),
                headers={"Content-Type": "application/json", **extra},
            )
            assert_problem(streamed, 413, "payload-too-large")
        # A body within the limit goes on to authentication as usual.
        assert client.post("/admin/api-keys", json={"name": "a", "kind": "publishable"}).status_code == 401
