"""Sync status, on-demand sync runs, and the internal webhook subscriptions that keep the stores in step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.config import Settings
from api.content.orders.models import OrderRecord
from api.content.products.models import ProductContent
from api.content.tenants.models import Tenant
from api.db import Domain
from api.outbox.models import CommerceOutboxEvent, ContentOutboxEvent
from api.sync.mapping import COMMERCE_TOPICS, CONTENT_TOPICS
from api.sync.models import ContentLink
from api.sync.receivers import sync_secret
from api.webhooks import service as webhooks
from api.webhooks.models import WebhookSubscription
from connectors.dagster import launch_job

SYNC_JOB = "sync_job"
REPAIR_JOB = "drift_repair_job"


class SyncEntity(StrEnum):
    all = "all"
    products = "products"
    orders = "orders"
    vendors = "vendors"
    content = "content"


# The Dagster sync assets each entity re-syncs (see assets/sync).
ENTITY_ASSETS: dict[SyncEntity, list[list[str]]] = {
    SyncEntity.products: [["content", "product_contents"]],
    SyncEntity.orders: [["content", "order_records"]],
    SyncEntity.vendors: [["content", "tenants"]],
    SyncEntity.content: [["commerce", "content_links"]],
}

# The entity an outbox event's `entity_type` belongs to, for the sensor.
OUTBOX_ENTITIES: dict[str, SyncEntity] = {
    "product": SyncEntity.products,
    "order": SyncEntity.orders,
    "vendor": SyncEntity.vendors,
    "tenant": SyncEntity.content,
    "page": SyncEntity.content,
    "media": SyncEntity.content,
    "product_content": SyncEntity.content,
}


def _admin_tags(requested_by: str | None) -> dict[str, str]:
    return {"marketplace/trigger": "admin", "marketplace/requested_by": requested_by or "unknown"}


def trigger(settings: Settings, entity: SyncEntity, requested_by: str | None) -> tuple[str, list[list[str]] | None]:
    selection = None if entity is SyncEntity.all else ENTITY_ASSETS[entity]
    run_id = launch_job(
        settings,
        SYNC_JOB,
        asset_selection=selection,
        tags=_admin_tags(requested_by),
    )
    return run_id, selection


def repair(settings: Settings, requested_by: str | None) -> str:
    """Launch the drift repair (the `sync/drift_repair` asset); returns the Dagster run id."""
    return launch_job(settings, REPAIR_JOB, tags=_admin_tags(requested_by))


def dagster_run_url(settings: Settings, run_id: str) -> str:
    """Where a data engineer watches this run in the Dagster UI."""
    return f"http://{settings.dagster_host}:{settings.dagster_port}/runs/{run_id}"


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 3)


def _sync_counts(session: Session, model: Any) -> dict[str, Any]:
    rows: Sequence[Any] = session.execute(
        select(model.sync_status, func.count(), func.max(model.synced_at)).group_by(model.sync_status)
    ).all()
    counts: dict[str, Any] = {"synced": 0, "pending": 0, "failed": 0, "last_synced_at": None}
    for status, count, last in rows:
        counts[str(status)] = int(count)
        if last is not None and (counts["last_synced_at"] is None or last > counts["last_synced_at"]):
            counts["last_synced_at"] = last
    return counts


def _outbox(
    session: Session, model: type[CommerceOutboxEvent] | type[ContentOutboxEvent], now: datetime
) -> dict[str, Any]:
    count, oldest = session.execute(
        select(func.count(), func.min(model.occurred_at)).where(model.dispatched_at.is_(None))
    ).one()
    return {"undispatched": int(count), "oldest_undispatched_age_seconds": _age(now, oldest)}


def reconciliation_summary(session: Session, now: datetime) -> dict[str, Any]:
    """The latest reconciliation (the dbt view `analytics.reconciliation`); unavailable until dbt built it."""
    try:
        with session.begin_nested():
            rows: Sequence[Any] = session.execute(
                text(
                    "SELECT drift_kind, count(*), max(drift_age_seconds) "
                    "FROM analytics.reconciliation GROUP BY drift_kind"
                )
            ).all()
    except ProgrammingError:
        return {"available": False, "drifts": None, "by_kind": {}, "oldest_drift_age_seconds": None}
    by_kind = {str(kind): int(count) for kind, count, _ in rows}
    oldest = max((float(age) for _, _, age in rows if age is not None), default=None)
    return {
        "available": True,
        "checked_at": now,
        "drifts": sum(by_kind.values()),
        "by_kind": by_kind,
        "oldest_drift_age_seconds": oldest,
    }


def drift_rows(session: Session, limit: int) -> list[dict[str, Any]]:
    """The oldest drifts the reconciliation view lists (empty until dbt built it)."""
    try:
        with session.begin_nested():
            return [dict(row) for row in session.execute(
                text("SELECT * FROM analytics.reconciliation ORDER BY drift_age_seconds DESC NULLS LAST LIMIT :n"),
                {"n": limit},
            ).mappings()]
    except ProgrammingError:
        return []


def status(commerce: Session, content: Session) -> dict[str, Any]:
    now = utcnow()
    entities = {
        "products": _sync_counts(content, ProductContent),
        "orders": _sync_counts(content, OrderRecord),
        "tenants": _sync_counts(content, Tenant),
        "content_links": _sync_counts(commerce, ContentLink),
    }
    last = [e["last_synced_at"] for e in entities.values() if e["last_synced_at"] is not None]
    deliveries = webhooks.delivery_counts(commerce)
    return {
        "checked_at": now,
        "last_synced_at": max(last) if last else None,
        "entities": entities,
        "outbox": {
            Domain.commerce.value: _outbox(commerce, CommerceOutboxEvent, now),
            Domain.content.value: _outbox(content, ContentOutboxEvent, now),
        },
        "deliveries": {
            **deliveries,
            "oldest_pending_age_seconds": webhooks.oldest_pending_age(commerce, now),
        },
        "reconciliation": reconciliation_summary(commerce, now),
    }


def ensure_internal_subscriptions(session: Session, settings: Settings) -> list[WebhookSubscription]:
    """The two subscriptions that carry the sync in real time, pointed at this platform's own receivers."""
    base = settings.public_base_url.rstrip("/")
    wanted = [
        (Domain.commerce, f"{base}/api/webhooks/commerce", list(COMMERCE_TOPICS), "sync: commerce -> content"),
        (Domain.content, f"{base}/webhooks/content", list(CONTENT_TOPICS), "sync: content -> commerce"),
    ]
    existing = {(s.source, s.url): s for s in webhooks.list_subscriptions(session)}
    subscriptions = []
    for source, url, topics, description in wanted:
        subscription = existing.get((source.value, url))
        if subscription is None:
            subscription, _ = webhooks.create_subscription(
                session,
                settings,
                url=url,
                source=source,
                topics=topics,
                description=description,
                secret=sync_secret(settings),
            )
        subscriptions.append(subscription)
    return subscriptions


@dataclass(frozen=True)
class RecordSync:
    """Whether the content side holds a commerce record, and how its last sync went."""

    synced_at: datetime | None
    sync_status: str
    sync_error: str | None


def records_sync(content: Session, product_ids: Sequence[str], order_ids: Sequence[str]) -> tuple[
    dict[str, RecordSync], dict[str, RecordSync]
]:
    """The content side's copy of these commerce products and orders (by commerce id); an id missing from the
    answer has not arrived yet. The caller passes ids it may see (e.g. a vendor's own), so this stays scoped."""
    products = {
        row.product_id: RecordSync(row.synced_at, str(row.sync_status), row.sync_error)
        for row in content.execute(
            select(ProductContent.product_id, ProductContent.synced_at, ProductContent.sync_status,
                   ProductContent.sync_error).where(ProductContent.product_id.in_(list(product_ids)))
        )
    } if product_ids else {}
    orders = {
        row.order_id: RecordSync(row.synced_at, str(row.sync_status), row.sync_error)
        for row in content.execute(
            select(OrderRecord.order_id, OrderRecord.synced_at, OrderRecord.sync_status, OrderRecord.sync_error)
            .where(OrderRecord.order_id.in_(list(order_ids)))
        )
    } if order_ids else {}
    return products, orders
