"""The one mapping between the stores. Every sync path (webhook receivers, Dagster sync assets, the
repair of drifted records) turns records into the other side's records here, and nowhere else.

commerce -> content
    product  -> product content metadata (title, handle, thumbnail, price summary, status)
    order    -> order record (number, customer id and email, total, currency, vendors, status)
    vendor   -> tenant (created as draft; active while the vendor is approved; suspended with it)
content -> commerce (`content_links`)
    tenant.configured        -> the vendor's storefront settings and branding
    page.published           -> the vendor's published storefront pages
    media.uploaded           -> media the products and storefronts link to
    product_content.updated  -> a product's content images and SEO

Upserts are idempotent and ordered: each side stores the version (commerce `version`, content
`updatedAt`) it last applied and ignores anything not newer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.content.orders import service as order_records
from api.content.orders.service import CommerceOrder
from api.content.products import service as product_contents
from api.content.products.models import ProductContent
from api.content.products.service import CommerceProduct
from api.content.tenants import service as tenants
from api.content.tenants.models import TenantStatus
from api.errors import FieldError, ValidationFailed
from api.sync.models import ContentLink

COMMERCE_TOPICS = ("product.*", "order.*", "vendor.*")
CONTENT_TOPICS = ("tenant.configured", "page.published", "media.uploaded", "product_content.updated")

VENDOR_TO_TENANT_STATUS = {
    "pending": TenantStatus.draft,
    "rejected": TenantStatus.draft,
    "approved": TenantStatus.active,
    "suspended": TenantStatus.suspended,
}


def _invalid(topic: str, exc: ValidationError | KeyError | ValueError) -> ValidationFailed:
    return ValidationFailed(
        f"The {topic} payload does not have the fields the sync needs.",
        errors=[FieldError(field="data", message=str(exc)[:500])],
    )


# -- commerce -> content ---------------------------------------------------------------------------


def price_summary(variants: list[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Lowest and highest variant price per currency."""
    summary: dict[str, dict[str, int]] = {}
    for variant in variants:
        for price in variant.get("prices", []):
            entry = summary.setdefault(price["currency_code"], {"min": price["amount"], "max": price["amount"]})
            entry["min"] = min(entry["min"], price["amount"])
            entry["max"] = max(entry["max"], price["amount"])
    return summary


def product_to_content(product: Mapping[str, Any]) -> CommerceProduct:
    return CommerceProduct.model_validate(
        {
            "productId": product["id"],
            "vendorId": product["vendor_id"],
            "title": product["title"],
            "handle": product["handle"],
            "thumbnail": product.get("thumbnail"),
            "priceSummary": price_summary(product.get("variants", [])),
            "status": product["status"],
        }
    )


def order_to_record(order: Mapping[str, Any]) -> CommerceOrder:
    return CommerceOrder.model_validate(
        {
            "orderId": order["id"],
            "number": f"#{order['display_id']}",
            "customerId": order.get("customer_id"),
            "customerEmail": order.get("email"),
            "total": order["total"],
            "currency": order["currency_code"].upper(),
            "vendorIds": sorted({vo["vendor_id"] for vo in order.get("vendor_orders", [])}),
            "status": order["status"],
            "placedAt": order["created_at"],
        }
    )


def _archive_product_content(session: Session, product: Mapping[str, Any]) -> bool:
    """A deleted product keeps its content (content owns it) but is archived and never shown."""
    result = session.execute(
        update(ProductContent)
        .where(ProductContent.product_id == product["id"], ProductContent.source_version < product["version"])
        .values(status="archived", source_version=product["version"], synced_at=utcnow(), sync_status="synced")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def apply_commerce_record(session: Session, topic: str, record: Mapping[str, Any]) -> bool:
    """Apply one commerce record (an event payload, or a row serialised the same way) to the content
    store. Returns False when nothing changed (an older or repeated version, or a topic content ignores)."""
    entity, _, action = topic.partition(".")
    try:
        if entity == "product":
            if action == "deleted":
                return _archive_product_content(session, record)
            return (
                product_contents.upsert_from_commerce(session, product_to_content(record), version=record["version"])
                is not None
            )
        if entity == "order":
            return (
                order_records.upsert_from_commerce(session, order_to_record(record), version=record["version"])
                is not None
            )
        if entity == "vendor":
            return (
                tenants.upsert_from_vendor(
                    session,
                    vendor_id=record["id"],
                    name=record["name"],
                    slug=record["slug"],
                    status=VENDOR_TO_TENANT_STATUS[record["status"]],
                    version=record["version"],
                )
                is not None
            )
    except (ValidationError, KeyError, ValueError) as exc:
        raise _invalid(topic, exc) from exc
    return False  # inventory.* and other topics have no content counterpart


# -- content -> commerce ---------------------------------------------------------------------------


def _tenant_vendor(session: Session, tenant_id: str | None) -> str | None:
    if tenant_id is None:
        return None
    return session.scalar(
        select(ContentLink.vendor_id).where(ContentLink.entity_type == "tenant", ContentLink.entity_id == tenant_id)
    )


def content_link(topic: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The `content_links` row a content document maps to (without the vendor of page/media rows,
    which comes from the tenant's row)."""
    if topic == "tenant.configured":
        return {
            "entity_type": "tenant",
            "entity_id": doc["id"],
            "tenant_id": doc["id"],
            "vendor_id": doc["vendorId"],
            "data": {
                "name": doc["name"],
                "slug": doc["slug"],
                "status": doc["status"],
                "tagline": doc.get("tagline"),
                "branding": doc.get("branding", {}),
                "domains": doc.get("domains", []),
            },
        }
    if topic == "page.published":
        return {
            "entity_type": "page",
            "entity_id": doc["id"],
            "tenant_id": doc.get("tenant"),
            "data": {
                "title": doc["title"],
                "slug": doc["slug"],
                "seoTitle": doc.get("seoTitle"),
                "seoDescription": doc.get("seoDescription"),
                "publishedAt": doc.get("publishedAt"),
            },
        }
    if topic == "media.uploaded":
        return {
            "entity_type": "media",
            "entity_id": doc["id"],
            "tenant_id": doc.get("tenant"),
            "data": {
                "url": doc["url"],
                "alt": doc.get("alt"),
                "mimeType": doc.get("mimeType"),
                "sizes": {name: size["url"] for name, size in doc.get("sizes", {}).items()},
            },
        }
    if topic == "product_content.updated":
        return {
            "entity_type": "product_content",
            "entity_id": doc["productId"],
            "tenant_id": doc.get("tenant"),
            "vendor_id": doc.get("vendorId"),
            "data": {
                "contentId": doc["id"],
                "images": doc.get("images", []),
                "seoTitle": doc.get("seoTitle"),
                "seoDescription": doc.get("seoDescription"),
                "status": doc.get("status"),
            },
        }
    raise KeyError(f"no commerce counterpart for {topic}")


def apply_content_record(session: Session, topic: str, doc: Mapping[str, Any]) -> bool:
    """Apply one content document (an event payload, or a row serialised by the collection's `to_doc`)
    to the commerce store. Returns False when nothing changed."""
    if topic not in CONTENT_TOPICS:
        return False
    try:
        row = content_link(topic, doc)
        source_updated_at = datetime.fromisoformat(doc["updatedAt"])
    except (KeyError, ValueError, TypeError) as exc:
        raise _invalid(topic, KeyError(str(exc))) from exc
    row.setdefault("vendor_id", _tenant_vendor(session, row["tenant_id"]))
    row.update(source_updated_at=source_updated_at, synced_at=utcnow(), sync_status="synced", sync_error=None)
    statement = insert(ContentLink).values(**row)
    result = session.execute(
        statement.on_conflict_do_update(
            index_elements=[ContentLink.entity_type, ContentLink.entity_id],
            set_={key: statement.excluded[key] for key in row if key not in ("entity_type", "entity_id")},
            where=ContentLink.source_updated_at < statement.excluded.source_updated_at,
        )
    )
    if row["entity_type"] == "tenant":
        # Pages and media that arrived before their tenant learn their vendor now.
        session.execute(
            update(ContentLink)
            .where(ContentLink.tenant_id == row["tenant_id"], ContentLink.vendor_id.is_(None))
            .values(vendor_id=row["vendor_id"])
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]
