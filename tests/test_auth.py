from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.auth.models import AuthToken, Role, User
from api.clock import utcnow
from api.db import Database, Domain
from tests.conftest import assert_problem


def test_login_returns_a_token_with_an_expiry(client: TestClient, make_user: Callable[..., dict[str, Any]]) -> None:
    user = make_user(Role.customer, email="Buyer@Example.com")
    response = client.post("/auth/token", json={"email": "buyer@example.com", "password": user["password"]})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].startswith("tok_")
    assert body["expires_at"] > utcnow().isoformat()
    assert body["user"]["email"] == "buyer@example.com"
    assert "password_hash" not in body["user"]

    me = client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    assert "customer" in me.json()["scopes"]


def test_passwords_are_stored_as_argon2_hashes(
    database: Database, make_user: Callable[..., dict[str, Any]]
) -> None:
    user = make_user(Role.customer)
    with database.transaction(Domain.commerce) as session:
        stored = session.scalar(select(User.password_hash).where(User.id == user["id"]))
    assert stored is not None and stored.startswith("$argon2id$")
    assert user["password"] not in stored


def test_wrong_password_and_unknown_email_look_the_same(
    client: TestClient, make_user: Callable[..., dict[str, Any]]
) -> None:
    user = make_user(Role.customer)
    wrong = client.post("/auth/token", json={"email": user["email"], "password": "nope-nope-nope"})
    unknown = client.post("/auth/token", json={"email": "nobody@example.com", "password": "nope-nope-nope"})
    wrong_detail = assert_problem(wrong, 401, "unauthorized")["detail"]
    assert wrong_detail == assert_problem(unknown, 401, "unauthorized")["detail"]


def test_expired_token_is_rejected_with_its_own_type(
    client: TestClient, database: Database, make_user: Callable[..., dict[str, Any]], login: Callable[..., Any]
) -> None:
    user = make_user(Role.admin)
    headers = login(user)
    assert client.get("/admin/audit-log", headers=headers).status_code == 200
    with database.transaction(Domain.commerce) as session:
        session.execute(
            update(AuthToken).where(AuthToken.user_id == user["id"]).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_problem(client.get("/admin/audit-log", headers=headers), 401, "token-expired")


def test_token_lifetime_comes_from_settings(client: TestClient, make_user: Callable[..., dict[str, Any]]) -> None:
    client.app.state.settings = client.app.state.settings.model_copy(update={"token_ttl_seconds": 60})  # type: ignore[attr-defined]
    user = make_user(Role.customer)
    body = client.post("/auth/token", json={"email": user["email"], "password": user["password"]}).json()
    assert body["expires_at"] <= (utcnow() + timedelta(seconds=61)).isoformat()


def test_logout_revokes_the_token(
    client: TestClient, make_user: Callable[..., dict[str, Any]], login: Callable[..., Any]
) -> None:
    headers = login(make_user(Role.customer))
    assert client.post("/auth/logout", headers=headers).status_code == 204
    assert_problem(client.get("/auth/me", headers=headers), 401, "unauthorized")


def test_garbage_credentials_are_401_not_500(client: TestClient) -> None:
    for header in ("Bearer", "Basic abc", "Bearer tok_nope", "Bearer sk_nope", "Bearer pk_nope"):
        assert_problem(client.get("/auth/me", headers={"Authorization": header}), 401, "unauthorized")
    assert_problem(client.get("/auth/me", headers={"x-publishable-api-key": "pk_nope"}), 401, "unauthorized")
    assert_problem(client.get("/admin/audit-log"), 401, "unauthorized")


def test_customers_cannot_call_admin_routes(
    client: TestClient, make_user: Callable[..., dict[str, Any]], login: Callable[..., Any]
) -> None:
    headers = login(make_user(Role.customer))
    body = assert_problem(client.get("/admin/audit-log", headers=headers), 403, "forbidden")
    assert body["missing_scopes"] == ["admin:read"]


def test_admin_creates_finance_user_who_can_read_but_not_manage_keys(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    created = client.post(
        "/admin/users",
        json={"email": "fin@example.com", "password": "finance-password-1", "role": "finance"},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    token = client.post("/auth/token", json={"email": "fin@example.com", "password": "finance-password-1"}).json()
    finance = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/admin/api-keys", headers=finance).status_code == 200
    assert_problem(
        client.post("/admin/api-keys", json={"name": "x", "kind": "publishable"}, headers=finance), 403, "forbidden"
    )
    duplicate = client.post(
        "/admin/users",
        json={"email": "FIN@example.com", "password": "finance-password-1", "role": "finance"},
        headers=admin_headers,
    )
    assert_problem(duplicate, 409, "conflict")
