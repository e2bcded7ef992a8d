"""Product content: what content owns (long description, specifications, high-resolution images, SEO)
edited through the API, and the commerce metadata the sync writes with `upsert_from_commerce`.
Every change writes `product_content.updated`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.content.access import Access
from api.content.common import Input, LongText, PatchInput, RefId, ShortText, ensure_exist, flush_unique, iso
from api.content.media.models import Media
from api.content.products.models import ProductContent
from api.content.richtext import RichText
from api.content.tenants.models import Tenant
from api.db import lock_key
from api.errors import Forbidden
from api.outbox.models import ContentOutboxEvent
from api.outbox.service import record

SpecText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SpecItem(Input):
    key: SpecText
    value: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class SpecGroup(Input):
    name: SpecText
    items: Annotated[list[SpecItem], Field(max_length=100)]


class ProductContentFields(Input):
    long_description: RichText | None = None
    specifications: Annotated[list[SpecGroup], Field(max_length=30)] = []
    images: Annotated[list[RefId], Field(max_length=30)] = []
    seo_title: ShortText | None = None
    seo_description: LongText | None = None


class ProductContentCreate(ProductContentFields):
    product_id: RefId
    vendor_id: RefId | None = None


class ProductContentUpdate(PatchInput):
    required_fields = frozenset({"specifications", "images"})

    long_description: RichText | None = None
    specifications: Annotated[list[SpecGroup], Field(max_length=30)] | None = None
    images: Annotated[list[RefId], Field(max_length=30)] | None = None
    seo_title: ShortText | None = None
    seo_description: LongText | None = None


class CommerceProduct(Input):
    """What the sync (and the seed) copy from a commerce product."""

    product_id: RefId
    vendor_id: RefId | None = None
    title: Annotated[str, StringConstraints(max_length=300)] | None = None
    handle: Annotated[str, StringConstraints(max_length=200)] | None = None
    thumbnail: Annotated[str, StringConstraints(max_length=2000)] | None = None
    price_summary: dict[str, Any] | None = None
    status: Literal["draft", "proposed", "published", "rejected", "archived"] = "draft"


def to_doc(content: ProductContent, editable: bool = False) -> dict[str, Any]:
    return {
        "id": content.id,
        "productId": content.product_id,
        "tenant": content.tenant_id,
        "vendorId": content.vendor_id,
        "title": content.title,
        "handle": content.handle,
        "thumbnail": content.thumbnail,
        "priceSummary": content.price_summary,
        "status": content.status,
        "longDescription": content.long_description,
        "specifications": content.specifications,
        "images": list(content.images),
        "seoTitle": content.seo_title,
        "seoDescription": content.seo_description,
        "syncedAt": iso(content.synced_at),
        "syncStatus": content.sync_status,
        "syncError": content.sync_error,
        "createdAt": iso(content.created_at),
        "updatedAt": iso(content.updated_at),
    }


def _tenant_of_vendor(session: Session, vendor_id: str | None) -> str | None:
    if vendor_id is None:
        return None
    return session.scalar(select(Tenant.id).where(Tenant.vendor_id == vendor_id))


def _apply(session: Session, content: ProductContent, data: dict[str, Any]) -> None:
    if "images" in data:
        ensure_exist(session, Media, data["images"], "media", tenant_id=content.tenant_id, tenant_scoped=True)
    for name in ("long_description", "specifications", "images", "seo_title", "seo_description"):
        if name in data:
            setattr(content, name, data[name])


def _updated(session: Session, content: ProductContent) -> None:
    flush_unique(session, "Content for this product already exists.")
    record(session, ContentOutboxEvent, "product_content.updated", "product_content", content.id, to_doc(content))


def create(session: Session, access: Access, body: ProductContentCreate) -> ProductContent:
    access.require_admin("create product content (the sync creates it for vendors' products)")
    content = ProductContent(
        product_id=body.product_id, vendor_id=body.vendor_id, tenant_id=_tenant_of_vendor(session, body.vendor_id)
    )
    _apply(session, content, body.model_dump(mode="json", exclude={"product_id", "vendor_id"}))
    session.add(content)
    _updated(session, content)
    return content


def update(session: Session, access: Access, content: ProductContent, body: ProductContentUpdate) -> ProductContent:
    _apply(session, content, body.model_dump(mode="json", exclude_unset=True))
    _updated(session, content)
    return content


def for_vendor_product(session: Session, access: Access, product_id: str, vendor_id: str) -> ProductContent:
    """The content of one of the acting vendor's products, locked for a write; created (sync `pending`) when the
    sync has not brought the product over yet, so a vendor can write its content with the product. The caller
    has checked on the commerce side that the product is this vendor's."""
    if not access.is_admin and access.vendor_id != vendor_id:
        raise Forbidden("Only the product's vendor writes its content.")
    lock_key(session, "product_content", product_id)  # the sync may be creating it too
    content = session.scalars(
        select(ProductContent).where(ProductContent.product_id == product_id).with_for_update()
    ).first()
    if content is None:
        content = ProductContent(product_id=product_id, vendor_id=vendor_id,
                                 tenant_id=_tenant_of_vendor(session, vendor_id))
        session.add(content)
        session.flush()
    return content


def delete(session: Session, access: Access, content: ProductContent) -> None:
    access.require_admin("delete product content")
    session.delete(content)
    session.flush()


def upsert_from_commerce(
    session: Session, product: CommerceProduct, *, version: int = 0, synced_at: datetime | None = None
) -> ProductContent | None:
    """Create or refresh the commerce metadata of a product's content (content fields stay untouched).
    Returns None, changing nothing, when `version` is not newer than the version already applied."""
    lock_key(session, "product_content", product.product_id)
    content = session.scalars(
        select(ProductContent).where(ProductContent.product_id == product.product_id).with_for_update()
    ).first()
    if content is not None and version and content.source_version >= version:
        return None
    if content is None:
        content = ProductContent(product_id=product.product_id)
        session.add(content)
    content.source_version = version or content.source_version
    content.vendor_id = product.vendor_id
    content.tenant_id = _tenant_of_vendor(session, product.vendor_id)
    content.title = product.title
    content.handle = product.handle
    content.thumbnail = product.thumbnail
    content.price_summary = product.price_summary
    content.status = product.status
    content.synced_at = synced_at or utcnow()
    content.sync_status = "synced"
    content.sync_error = None
    _updated(session, content)
    return content
