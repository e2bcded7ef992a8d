"""Sync fixtures: the internal webhook subscriptions, and a dispatcher that delivers through real HTTP
on the ASGI app (the TestClient is an httpx client), pumped until nothing is left to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from api.config import Settings
from api.db import Database, Domain
from api.sync import service as sync_service
from api.webhooks.service import Dispatcher
from tests.commerce.conftest import Shop, shop, store_headers

__all__ = ["Shop", "shop", "store_headers"]


@pytest.fixture
def sync_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_max_attempts": 5, "sync_webhook_secret": None})


@pytest.fixture
def subscriptions(database: Database, sync_settings: Settings) -> None:
    with database.transaction(Domain.commerce) as session:
        sync_service.ensure_internal_subscriptions(session, sync_settings)


@pytest.fixture
def pump(
    database: Database, sync_settings: Settings, client: TestClient, subscriptions: None
) -> Iterator[Callable[..., int]]:
    def run(http: TestClient | None = None, rounds: int = 20) -> int:
        """Fan out and deliver until idle (echo events of applied changes included)."""
        dispatcher = Dispatcher(database, sync_settings, http or client)
        total = 0
        for _ in range(rounds):
            work = dispatcher.run_once()
            total += work
            if work == 0:
                break
        return total

    yield run


def content_row(database: Database, table: str, where: str, **params: Any) -> dict[str, Any] | None:
    with database.transaction(Domain.content) as session:
        row = session.execute(text(f"SELECT * FROM content.{table} WHERE {where}"), params).mappings().first()
        return dict(row) if row else None


def commerce_link(database: Database, entity_type: str, entity_id: str) -> dict[str, Any] | None:
    from api.sync.models import ContentLink

    with database.transaction(Domain.commerce) as session:
        link = session.scalar(
            select(ContentLink).where(ContentLink.entity_type == entity_type, ContentLink.entity_id == entity_id)
        )
        return None if link is None else {"vendor_id": link.vendor_id, "tenant_id": link.tenant_id, **link.data}
