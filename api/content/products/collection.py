from __future__ import annotations

from api.content.access import tenant_readable, tenant_writable
from api.content.products import service
from api.content.products.models import ProductContent
from api.content.query import Field, Kind
from api.content.spec import Collection, Relation

SYNC_STATUSES = ("synced", "pending", "failed")

COLLECTION = Collection(
    slug="products",
    model=ProductContent,
    description="Rich content of commerce products (by `productId`), plus metadata the sync copies over.",
    fields={
        "id": Field(ProductContent.id),
        "productId": Field(ProductContent.product_id),
        "tenant": Field(ProductContent.tenant_id),
        "vendorId": Field(ProductContent.vendor_id),
        "title": Field(ProductContent.title),
        "handle": Field(ProductContent.handle),
        "status": Field(ProductContent.status, choices=("draft", "proposed", "published", "rejected")),
        "syncStatus": Field(ProductContent.sync_status, choices=SYNC_STATUSES),
        "syncedAt": Field(ProductContent.synced_at, Kind.datetime),
        "createdAt": Field(ProductContent.created_at, Kind.datetime),
        "updatedAt": Field(ProductContent.updated_at, Kind.datetime),
    },
    default_sort="title",
    readable=lambda access: tenant_readable(
        access, ProductContent.tenant_id, ProductContent.status == "published"
    ),
    writable=lambda access: tenant_writable(access, ProductContent.tenant_id),
    to_doc=service.to_doc,
    relations=(Relation("tenant", "tenants"), Relation("images[]", "media")),
    create_schema=service.ProductContentCreate,
    create=service.create,
    update_schema=service.ProductContentUpdate,
    update=service.update,
    delete=service.delete,
    localized=("longDescription", "specifications", "seoTitle", "seoDescription"),
)
