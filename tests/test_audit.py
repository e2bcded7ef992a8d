from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.db import Database, Domain
from tests.conftest import assert_problem


def test_mutating_admin_actions_are_audited_in_the_same_transaction(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    key = client.post("/admin/api-keys", json={"name": "s", "kind": "publishable"}, headers=admin_headers).json()
    client.post(f"/admin/api-keys/{key['id']}/rotate", headers=admin_headers)
    # A failed action (404) leaves no entry.
    client.post("/admin/api-keys/key_missing/revoke", headers=admin_headers)

    log = client.get("/admin/audit-log", headers=admin_headers).json()
    assert log["total"] == 2
    assert [e["action"] for e in log["items"]] == ["api_key.rotated", "api_key.created"]
    created = log["items"][1]
    me = client.get("/auth/me", headers=admin_headers).json()
    assert created["actor_id"] == me["id"]
    assert created["entity_id"] == key["id"]
    assert created["request_id"].startswith("req_")
    assert key["secret"] not in str(log)


def test_audit_log_filters(client: TestClient, admin_headers: dict[str, str]) -> None:
    for name in ("a", "b"):
        client.post("/admin/api-keys", json={"name": name, "kind": "publishable"}, headers=admin_headers)
    key_id = client.get("/admin/api-keys", headers=admin_headers).json()[0]["id"]
    client.post(f"/admin/api-keys/{key_id}/revoke", headers=admin_headers)

    by_action = client.get("/admin/audit-log", params={"action": "api_key.revoked"}, headers=admin_headers).json()
    assert by_action["total"] == 1 and by_action["items"][0]["entity_id"] == key_id
    by_entity = client.get("/admin/audit-log", params={"entity_id": key_id}, headers=admin_headers).json()
    assert by_entity["total"] == 2
    paged = client.get("/admin/audit-log", params={"limit": 1, "offset": 1}, headers=admin_headers).json()
    assert paged["total"] == 3 and len(paged["items"]) == 1
    future = client.get("/admin/audit-log", params={"since": "2999-01-01T00:00:00Z"}, headers=admin_headers).json()
    assert future["total"] == 0
    assert_problem(client.get("/admin/audit-log", params={"since": "yesterday"}, headers=admin_headers), 422,
                   "validation-failed")


def test_audit_entries_cannot_be_edited_or_deleted(
    client: TestClient, owner_database: Database, admin_headers: dict[str, str]
) -> None:
    client.post("/admin/api-keys", json={"name": "s", "kind": "publishable"}, headers=admin_headers)
    # Even the owner cannot (the app role is not even granted UPDATE or DELETE: tests/security/test_app_role.py).
    for statement in ("UPDATE commerce.audit_log SET action = 'forged'", "DELETE FROM commerce.audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), owner_database.transaction(Domain.commerce) as session:
            session.execute(text(statement))
    assert client.get("/admin/audit-log", headers=admin_headers).json()["items"][0]["action"] == "api_key.created"
    assert_problem(client.delete("/admin/audit-log", headers=admin_headers), 405, "method-not-allowed")
