from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from api.auth.models import ApiKey
from api.clock import utcnow
from api.db import Database, Domain
from tests.conftest import assert_problem


def _create(client: TestClient, headers: dict[str, str], **body: object) -> dict[str, object]:
    response = client.post("/admin/api-keys", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


def test_publishable_key_browses_the_store_but_cannot_call_admin_routes(
    client: TestClient, publishable_key: str
) -> None:
    assert publishable_key.startswith("pk_")
    as_header = {"x-publishable-api-key": publishable_key}
    as_bearer = {"Authorization": f"Bearer {publishable_key}"}
    for headers in (as_header, as_bearer):
        me = client.get("/auth/me", headers=headers)
        assert me.status_code == 200
        assert set(me.json()["scopes"]) == {"store:read", "store:write"}
        assert_problem(client.get("/admin/audit-log", headers=headers), 403, "forbidden")
        assert_problem(client.get("/admin/api-keys", headers=headers), 403, "forbidden")


def test_secret_key_scopes_are_enforced(client: TestClient, admin_headers: dict[str, str]) -> None:
    key = _create(client, admin_headers, name="reporting", kind="secret", scopes=["admin:read"])
    headers = {"Authorization": f"Bearer {key['secret']}"}
    assert client.get("/admin/audit-log", headers=headers).status_code == 200
    create = client.post("/admin/api-keys", json={"name": "x", "kind": "publishable"}, headers=headers)
    assert_problem(create, 403, "forbidden")


def test_publishable_key_cannot_be_given_admin_scopes_and_secret_keys_need_scopes(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    bad = client.post(
        "/admin/api-keys", json={"name": "x", "kind": "publishable", "scopes": ["admin:write"]}, headers=admin_headers
    )
    assert_problem(bad, 422, "validation-failed")
    assert_problem(
        client.post("/admin/api-keys", json={"name": "x", "kind": "secret"}, headers=admin_headers),
        422,
        "validation-failed",
    )
    unknown_scope = client.post(
        "/admin/api-keys", json={"name": "x", "kind": "secret", "scopes": ["root"]}, headers=admin_headers
    )
    assert_problem(unknown_scope, 422, "validation-failed")


def test_secret_is_shown_once_and_stored_hashed(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    key = _create(client, admin_headers, name="erp", kind="secret", scopes=["admin:read"])
    secret = str(key["secret"])
    listed = client.get("/admin/api-keys", headers=admin_headers).json()
    assert [k["id"] for k in listed] == [key["id"]]
    assert "secret" not in listed[0]
    with database.transaction(Domain.commerce) as session:
        row: str = session.execute(text("SELECT row_to_json(k)::text FROM commerce.api_keys k")).scalar_one()
    assert secret not in row


def test_rotation_keeps_the_old_secret_valid_for_the_overlap_window(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    key = _create(client, admin_headers, name="erp", kind="secret", scopes=["admin:read"])
    old = {"Authorization": f"Bearer {key['secret']}"}
    rotated = client.post(f"/admin/api-keys/{key['id']}/rotate", json={"overlap_seconds": 3600}, headers=admin_headers)
    assert rotated.status_code == 200, rotated.text
    new = {"Authorization": f"Bearer {rotated.json()['secret']}"}
    assert rotated.json()["secret"] != key["secret"]

    assert client.get("/admin/audit-log", headers=old).status_code == 200
    assert client.get("/admin/audit-log", headers=new).status_code == 200

    with database.transaction(Domain.commerce) as session:
        session.execute(
            update(ApiKey).where(ApiKey.id == key["id"]).values(previous_valid_until=utcnow() - timedelta(seconds=1))
        )
    assert_problem(client.get("/admin/audit-log", headers=old), 401, "unauthorized")
    assert client.get("/admin/audit-log", headers=new).status_code == 200


def test_rotating_twice_ends_the_first_secret_and_default_overlap_comes_from_settings(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    key = _create(client, admin_headers, name="erp", kind="secret", scopes=["admin:read"])
    first = client.post(f"/admin/api-keys/{key['id']}/rotate", headers=admin_headers)
    assert first.status_code == 200
    valid_until = first.json()["previous_valid_until"]
    expected = utcnow() + timedelta(seconds=client.app.state.settings.api_key_rotation_overlap_seconds)  # type: ignore[attr-defined]
    assert abs((expected - datetime.fromisoformat(valid_until)).total_seconds()) < 60
    second = client.post(f"/admin/api-keys/{key['id']}/rotate", json={"overlap_seconds": 0}, headers=admin_headers)
    assert second.status_code == 200
    for secret in (key["secret"], first.json()["secret"]):
        assert_problem(client.get("/auth/me", headers={"Authorization": f"Bearer {secret}"}), 401, "unauthorized")
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {second.json()['secret']}"}).status_code == 200


def test_revoked_key_stops_working_and_cannot_be_rotated(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    key = _create(client, admin_headers, name="erp", kind="secret", scopes=["admin:read"])
    assert client.post(f"/admin/api-keys/{key['id']}/revoke", headers=admin_headers).status_code == 200
    assert_problem(client.get("/auth/me", headers={"Authorization": f"Bearer {key['secret']}"}), 401, "unauthorized")
    assert_problem(client.post(f"/admin/api-keys/{key['id']}/rotate", headers=admin_headers), 409, "conflict")
    assert_problem(client.post(f"/admin/api-keys/{key['id']}/revoke", headers=admin_headers), 409, "conflict")
    assert_problem(client.post("/admin/api-keys/key_missing/rotate", headers=admin_headers), 404, "not-found")
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.id == key["id"])) is not None
