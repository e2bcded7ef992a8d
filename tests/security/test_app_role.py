"""The API's database role (issue 15, finding 4): it owns nothing, cannot empty or alter the audit log, cannot
change the schema, and is subject to row-level security. Migrations run as the owner."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.db import APP_ROLE, Database, Domain


def test_the_api_connects_as_the_app_role(client: TestClient, database: Database) -> None:
    assert client.app.state.db is database  # type: ignore[attr-defined]
    with database.transaction(Domain.commerce) as session:
        who = session.execute(
            text(
                "SELECT current_user, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb "
                "FROM pg_roles r WHERE r.rolname = current_user"
            )
        ).one()
        owned: int = session.execute(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE pg_get_userbyid(c.relowner) = current_user AND n.nspname IN ('commerce', 'content')"
            )
        ).scalar_one()
    assert tuple(who) == (APP_ROLE, False, False, False, False)
    assert owned == 0


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE commerce.audit_log",
        "DELETE FROM commerce.audit_log",
        "UPDATE commerce.audit_log SET action = 'forged'",
        "DROP TRIGGER audit_log_append_only ON commerce.audit_log",
        "ALTER TABLE commerce.audit_log DISABLE TRIGGER audit_log_append_only",
        "DROP TABLE commerce.audit_log",
        "TRUNCATE commerce.orders",
        "ALTER TABLE commerce.products DISABLE ROW LEVEL SECURITY",
        "CREATE TABLE commerce.sneaky (id int)",
        "DELETE FROM commerce.alembic_version",
        "ALTER ROLE marketplace_app BYPASSRLS",
    ],
)
def test_the_app_role_cannot_empty_the_audit_log_or_change_the_schema(
    client: TestClient, admin_headers: dict[str, str], database: Database, statement: str
) -> None:
    client.post("/admin/api-keys", json={"name": "s", "kind": "publishable"}, headers=admin_headers)
    refused = r"permission denied|must be owner|must be superuser|must have"
    with pytest.raises(DBAPIError, match=refused), database.transaction(Domain.commerce) as session:
        session.execute(text(statement))
    entries = client.get("/admin/audit-log", headers=admin_headers).json()
    assert [e["action"] for e in entries["items"]] == ["api_key.created"]


def test_the_app_role_may_read_and_append_to_the_audit_log(
    client: TestClient, admin_headers: dict[str, str], database: Database
) -> None:
    client.post("/admin/api-keys", json={"name": "s", "kind": "publishable"}, headers=admin_headers)
    with database.transaction(Domain.commerce) as session:
        assert session.execute(text("SELECT count(*) FROM commerce.audit_log")).scalar_one() == 1
        privileges: set[str] = set(
            session.execute(
                text(
                    "SELECT privilege_type FROM information_schema.role_table_grants "
                    "WHERE grantee = current_user AND table_schema = 'commerce' AND table_name = 'audit_log'"
                )
            ).scalars()
        )
    assert privileges == {"SELECT", "INSERT"}


def test_tables_added_by_later_migrations_get_the_grants(database: Database, owner_database: Database) -> None:
    """Default privileges: a table the owner creates in a store's schema is usable by the app at once."""
    with owner_database.transaction(Domain.content) as session:
        session.execute(text("CREATE TABLE content.later_table (id int PRIMARY KEY)"))
    try:
        with database.transaction(Domain.content) as session:
            session.execute(text("INSERT INTO content.later_table VALUES (1)"))
            assert session.execute(text("SELECT count(*) FROM content.later_table")).scalar_one() == 1
        with pytest.raises(DBAPIError, match="must be owner"), database.transaction(Domain.content) as session:
            session.execute(text("DROP TABLE content.later_table"))
    finally:
        with owner_database.transaction(Domain.content) as session:
            session.execute(text("DROP TABLE content.later_table"))
