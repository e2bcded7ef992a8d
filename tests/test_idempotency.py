from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.auth.models import ApiKey, Role
from api.db import Database, Domain
from api.regions.models import Region
from tests.conftest import assert_problem


def _count_keys(database: Database) -> int:
    with database.transaction(Domain.commerce) as session:
        return session.scalar(select(func.count()).select_from(ApiKey)) or 0


def test_retry_with_the_same_key_and_body_returns_the_first_answer(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "create-region-1"}
    body = {"name": "Europe", "currency_code": "EUR", "tax_rate": "0.2000", "countries": ["DE"]}
    first = client.post("/admin/regions", json=body, headers=headers)
    retry = client.post("/admin/regions", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201, first.text
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(func.count()).select_from(Region)) == 1


def test_same_key_with_another_body_is_422_and_changes_nothing(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "create-key-2"}
    assert client.post("/admin/api-keys", json={"name": "a", "kind": "publishable"}, headers=headers).status_code == 201
    other = client.post("/admin/api-keys", json={"name": "b", "kind": "publishable"}, headers=headers)
    assert_problem(other, 422, "idempotency-key-reused")
    assert _count_keys(database) == 1


def test_errors_are_remembered_but_auth_failures_are_not(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    body = {"name": "a", "kind": "secret"}  # invalid: a secret key needs scopes -> 422, remembered
    headers = {**admin_headers, "Idempotency-Key": "k"}
    first = client.post("/admin/api-keys", json=body, headers=headers)
    assert_problem(first, 422, "validation-failed")
    again = client.post("/admin/api-keys", json=body, headers=headers)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["detail"] == first.json()["detail"]

    good = {"name": "a", "kind": "publishable"}
    unauthenticated = client.post("/admin/api-keys", json=good, headers={"Idempotency-Key": "k2"})
    assert_problem(unauthenticated, 401, "unauthorized")
    # The 401 was not remembered: the same key with credentials now runs the request.
    retried = client.post("/admin/api-keys", json=good, headers={**admin_headers, "Idempotency-Key": "k2"})
    assert retried.status_code == 201
    assert _count_keys(database) == 1


def test_keys_belong_to_the_client_that_sent_them(
    client: TestClient,
    database: Database,
    make_user: Callable[..., dict[str, Any]],
    login: Callable[..., dict[str, str]],
) -> None:
    first_admin, second_admin = login(make_user(Role.admin)), login(make_user(Role.admin))
    one = client.post("/admin/api-keys", json={"name": "a", "kind": "publishable"},
                      headers={**first_admin, "Idempotency-Key": "shared"})
    two = client.post("/admin/api-keys", json={"name": "b", "kind": "publishable"},
                      headers={**second_admin, "Idempotency-Key": "shared"})
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]
    assert _count_keys(database) == 2


def test_an_overlong_key_is_a_clear_400(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        "/admin/api-keys",
        json={"name": "a", "kind": "publishable"},
        headers={**admin_headers, "Idempotency-Key": "x" * 300},
    )
    assert_problem(response, 400, "bad-request")
