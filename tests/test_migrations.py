from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from api import migrate
from api.db import DatabaseUrls
from tests.conftest import recreate_database


def _tables(url: str) -> dict[str, set[str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('commerce', 'content') "
                "AND tablename <> 'alembic_version'"
            )
        ).all()
    engine.dispose()
    found: dict[str, set[str]] = {"commerce": set(), "content": set()}
    for schema, table in rows:
        found[str(schema)].add(str(table))
    return found


def test_round_trip_with_each_store_in_its_own_database() -> None:
    prefix = os.environ.get("TEST_DB_NAME", "marketplace_test")
    urls = DatabaseUrls(
        commerce=recreate_database(f"{prefix}_mig_commerce"), content=recreate_database(f"{prefix}_mig_content")
    )

    migrate.upgrade(urls)
    commerce_db, content_db = _tables(urls.commerce), _tables(urls.content)
    assert {"users", "api_keys", "audit_log", "idempotency_keys", "outbox_events"} <= commerce_db["commerce"]
    assert "outbox_events" in content_db["content"]
    # Each store's tables live only in its own database.
    assert commerce_db["content"] == set() and content_db["commerce"] == set()

    migrate.downgrade(urls)
    assert _tables(urls.commerce) == {"commerce": set(), "content": set()}
    assert _tables(urls.content) == {"commerce": set(), "content": set()}

    migrate.upgrade(urls)
    assert _tables(urls.commerce)["commerce"] == commerce_db["commerce"]
    assert _tables(urls.content)["content"] == content_db["content"]
