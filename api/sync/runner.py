"""Batch sync: re-sync records changed since a cursor (or all, or exactly the given ids) through the
same mapping the webhook receivers use. The Dagster sync assets and the drift repair call these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.catalog.models import Product
from api.catalog.service import admin_view, with_details
from api.content.media import service as media_docs
from api.content.media.models import Media
from api.content.orders.models import OrderRecord
from api.content.pages import service as page_docs
from api.content.pages.models import Page, PublishStatus
from api.content.products import service as product_docs
from api.content.products.models import ProductContent
from api.content.tenants import service as tenant_docs
from api.content.tenants.models import Tenant
from api.db import Database, Domain
from api.orders.models import Order
from api.orders.service import view as order_view
from api.sync import mapping
from api.sync.models import CommerceSyncCursor, ContentLink, ContentSyncCursor, CursorColumns
from api.vendors.models import Vendor
from api.vendors.schemas import VendorOut

# Re-read a little before the cursor: a transaction that committed late with an older `updated_at`
# is still picked up; applying a record twice changes nothing.
CURSOR_OVERLAP = timedelta(seconds=30)
BATCH = 500


@dataclass
class SyncReport:
    name: str
    scanned: int = 0
    applied: int = 0
    archived: int = 0
    cursor: datetime | None = None
    ids: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "applied": self.applied,
            "archived": self.archived,
            "cursor": self.cursor.isoformat() if self.cursor else None,
        }


CursorModel = type[CommerceSyncCursor] | type[ContentSyncCursor]
Loader = Callable[[Session, datetime | None], list[tuple[datetime, dict[str, Any]]]]


def read_cursor(session: Session, model: CursorModel, name: str) -> datetime | None:
    row = cast(CursorColumns | None, session.get(model, name))
    return None if row is None else row.position


def write_cursor(session: Session, model: CursorModel, name: str, position: datetime) -> None:
    row = cast(CursorColumns | None, session.get(model, name))
    if row is None:
        session.add(model(name=name, position=position))
    elif position > row.position:
        row.position = position


def _changed(model: Any, since: datetime | None, ids: Sequence[str] | None, id_column: Any = None) -> Any:
    statement = select(model)
    if ids is not None:
        statement = statement.where((id_column if id_column is not None else model.id).in_(list(ids)))
    elif since is not None:
        statement = statement.where(model.updated_at >= since - CURSOR_OVERLAP)
    return statement.order_by(model.updated_at, model.id)


# -- commerce -> content ---------------------------------------------------------------------------


def _to_content(
    database: Database,
    name: str,
    topic: str,
    load: Loader,
    *,
    full: bool,
    ids: Sequence[str] | None,
) -> SyncReport:
    report = SyncReport(name=name)
    with database.transaction(Domain.content) as content:
        since = None if full or ids is not None else read_cursor(content, ContentSyncCursor, name)
    with database.transaction(Domain.commerce) as commerce:
        records = load(commerce, since)
    with database.transaction(Domain.content) as content:
        for updated_at, record in records:
            report.scanned += 1
            report.ids.append(record["id"])
            if mapping.apply_commerce_record(content, topic, record):
                report.applied += 1
            report.cursor = max(report.cursor or updated_at, updated_at)
        if report.cursor is not None and ids is None:
            write_cursor(content, ContentSyncCursor, name, report.cursor)
    return report


def sync_products(database: Database, *, full: bool = False, ids: Sequence[str] | None = None) -> SyncReport:
    def load(session: Session, since: datetime | None) -> list[tuple[datetime, dict[str, Any]]]:
        statement = _changed(Product, since, ids).options(*with_details())
        return [(p.updated_at, admin_view(p).model_dump(mode="json")) for p in session.scalars(statement)]

    report = _to_content(database, "product_contents", "product.updated", load, full=full, ids=ids)
    if full or ids is not None:
        report.archived = _archive_missing_products(database, ids)
    return report


def _archive_missing_products(database: Database, ids: Sequence[str] | None) -> int:
    """Product content whose commerce product no longer exists is archived (a missed `product.deleted`)."""
    with database.transaction(Domain.commerce) as commerce:
        statement = select(Product.id)
        if ids is not None:
            statement = statement.where(Product.id.in_(list(ids)))
        existing = set(commerce.scalars(statement))
    archived = 0
    with database.transaction(Domain.content) as content:
        live = select(ProductContent.product_id, ProductContent.source_version).where(
            ProductContent.status != "archived"
        )
        if ids is not None:
            live = live.where(ProductContent.product_id.in_(list(ids)))
        for product_id, version in content.execute(live).all():
            if product_id not in existing and mapping.apply_commerce_record(
                content, "product.deleted", {"id": product_id, "version": version + 1}
            ):
                archived += 1
    return archived


def sync_orders(database: Database, *, full: bool = False, ids: Sequence[str] | None = None) -> SyncReport:
    def load(session: Session, since: datetime | None) -> list[tuple[datetime, dict[str, Any]]]:
        statement = _changed(Order, since, ids)
        return [(o.updated_at, order_view(o).model_dump(mode="json")) for o in session.scalars(statement)]

    return _to_content(database, "order_records", "order.updated", load, full=full, ids=ids)


def sync_vendors(database: Database, *, full: bool = False, ids: Sequence[str] | None = None) -> SyncReport:
    def load(session: Session, since: datetime | None) -> list[tuple[datetime, dict[str, Any]]]:
        statement = _changed(Vendor, since, ids)
        return [(v.updated_at, VendorOut.model_validate(v).model_dump(mode="json")) for v in session.scalars(statement)]

    return _to_content(database, "tenants", "vendor.updated", load, full=full, ids=ids)


# -- content -> commerce ---------------------------------------------------------------------------


def _content_docs(session: Session, since: datetime | None, ids: dict[str, Sequence[str]] | None) -> list[
    tuple[datetime, str, dict[str, Any]]
]:
    sources: list[tuple[str, str, Any, Callable[[Any], dict[str, Any]], Any]] = [
        ("tenant", "tenant.configured", Tenant, tenant_docs.to_doc, None),
        ("page", "page.published", Page, page_docs.to_doc, Page.status == PublishStatus.published.value),
        ("media", "media.uploaded", Media, media_docs.to_doc, None),
        ("product_content", "product_content.updated", ProductContent, product_docs.to_doc, None),
    ]
    docs: list[tuple[datetime, str, dict[str, Any]]] = []
    for entity_type, topic, model, to_doc, condition in sources:
        wanted = None if ids is None else ids.get(entity_type, [])
        if wanted is not None and not wanted:
            continue
        id_column = model.product_id if entity_type == "product_content" else model.id
        statement = _changed(model, since, wanted, id_column)
        if condition is not None:
            statement = statement.where(condition)
        docs.extend((row.updated_at, topic, to_doc(row)) for row in session.scalars(statement))
    # Tenants first, so pages and media find their vendor.
    order = {"tenant.configured": 0}
    docs.sort(key=lambda item: (order.get(item[1], 1), item[0]))
    return docs


def sync_content_links(
    database: Database, *, full: bool = False, ids: dict[str, Sequence[str]] | None = None
) -> SyncReport:
    report = SyncReport(name="content_links")
    with database.transaction(Domain.commerce) as commerce:
        since = None if full or ids is not None else read_cursor(commerce, CommerceSyncCursor, report.name)
    with database.transaction(Domain.content) as content:
        docs = _content_docs(content, since, ids)
    with database.transaction(Domain.commerce) as commerce:
        for updated_at, topic, doc in docs:
            report.scanned += 1
            report.ids.append(doc["id"])
            if mapping.apply_content_record(commerce, topic, doc):
                report.applied += 1
            report.cursor = max(report.cursor or updated_at, updated_at)
        if report.cursor is not None and ids is None:
            write_cursor(commerce, CommerceSyncCursor, report.name, report.cursor)
    return report


def repair(database: Database, drift: dict[str, list[str]]) -> int:
    """Re-sync exactly the drifted records (entity type -> ids, as `analytics.reconciliation` lists them).
    The receiving side's applied version is reset first, so even a record tampered with at the same
    version is rewritten from its source."""
    products, orders, vendors, tenant_ids = (
        drift.get("product", []), drift.get("order", []), drift.get("vendor", []), drift.get("tenant", [])
    )
    with database.transaction(Domain.content) as content:
        for model, column, ids in (
            (ProductContent, ProductContent.product_id, products),
            (OrderRecord, OrderRecord.order_id, orders),
            (Tenant, Tenant.vendor_id, vendors),
        ):
            if ids:
                content.execute(update(model).where(column.in_(ids)).values(source_version=0))
    if tenant_ids:
        with database.transaction(Domain.commerce) as commerce:
            commerce.execute(
                update(ContentLink)
                .where(ContentLink.entity_type == "tenant", ContentLink.entity_id.in_(tenant_ids))
                .values(source_updated_at=datetime(1970, 1, 1, tzinfo=UTC))
            )
    repaired = 0
    if products:
        report = sync_products(database, ids=products)
        repaired += report.applied + report.archived
    if orders:
        repaired += sync_orders(database, ids=orders).applied
    if vendors:
        repaired += sync_vendors(database, ids=vendors).applied
    if tenant_ids:
        repaired += sync_content_links(database, ids={"tenant": tenant_ids}).applied
    return repaired
