"""Finding 1: granting a role or rotating a key never yields more scopes than the caller holds."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.auth.models import User
from api.db import Database, Domain
from tests.conftest import assert_problem


def _secret_key(client: TestClient, admin_headers: dict[str, str], scopes: list[str]) -> dict[str, Any]:
    response = client.post(
        "/admin/api-keys", json={"name": "integration", "kind": "secret", "scopes": scopes}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _staff_count(database: Database) -> int:
    with database.transaction(Domain.commerce) as session:
        return session.scalar(select(func.count()).select_from(User).where(User.role.in_(["admin", "finance"]))) or 0


def test_a_key_with_admin_write_alone_cannot_create_an_admin_or_finance_user(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    narrow = _secret_key(client, admin_headers, ["admin:write"])
    headers = {"Authorization": f"Bearer {narrow['secret']}"}
    before = _staff_count(database)
    for role in ("admin", "finance"):
        answer = client.post(
            "/admin/users",
            json={"email": f"new-{role}@example.com", "password": "a-long-enough-passphrase", "role": role},
            headers=headers,
        )
        assert_problem(answer, 403, "forbidden")
    assert _staff_count(database) == before
    # Nobody can log in as the user that was refused.
    login = client.post("/auth/token", json={"email": "new-admin@example.com", "password": "a-long-enough-passphrase"})
    assert login.status_code == 401


def test_an_admin_may_still_create_staff_users(client: TestClient, admin_headers: dict[str, str]) -> None:
    for role in ("admin", "finance"):
        answer = client.post(
            "/admin/users",
            json={"email": f"ok-{role}@example.com", "password": "a-long-enough-passphrase", "role": role},
            headers=admin_headers,
        )
        assert answer.status_code == 201, answer.text


def test_a_narrow_key_cannot_rotate_a_wider_key_and_learn_its_secret(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    wide = _secret_key(client, admin_headers, ["admin:write", "finance:write", "finance:read"])
    narrow = _secret_key(client, admin_headers, ["admin:write"])
    headers = {"Authorization": f"Bearer {narrow['secret']}"}
    answer = client.post(f"/admin/api-keys/{wide['id']}/rotate", headers=headers)
    body = assert_problem(answer, 403, "forbidden")
    assert "secret" not in body
    # The wide key's secret is unchanged: it still works and was not rotated.
    still = client.get("/auth/me", headers={"Authorization": f"Bearer {wide['secret']}"})
    assert still.status_code == 200
    listed = {k["id"]: k for k in client.get("/admin/api-keys", headers=admin_headers).json()}
    assert listed[wide["id"]]["rotated_at"] is None
    # A key may rotate one within its own scopes (here: itself).
    own = client.post(f"/admin/api-keys/{narrow['id']}/rotate", headers=headers)
    assert own.status_code == 200, own.text
