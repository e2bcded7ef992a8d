from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from api.content.access import Access, tenant_writable
from api.content.query import Field, Kind
from api.content.spec import Collection, Relation
from api.content.tenants import service
from api.content.tenants.models import Tenant, TenantStatus
from api.content.tenants.schemas import TenantCreate, TenantUpdate


def readable(access: Access) -> ColumnElement[bool]:
    """Active tenants for everyone; a vendor also sees its own tenant, an admin all of them."""
    if access.is_admin:
        return true()
    return or_(Tenant.status == TenantStatus.active.value, Tenant.id.in_(access.tenant_ids))


COLLECTION = Collection(
    slug="tenants",
    model=Tenant,
    description="Vendor stores: configuration, branding, slug and status.",
    fields={
        "id": Field(Tenant.id),
        "name": Field(Tenant.name),
        "slug": Field(Tenant.slug),
        "status": Field(Tenant.status, choices=tuple(TenantStatus)),
        "vendorId": Field(Tenant.vendor_id),
        "domains": Field(Tenant.domains, Kind.array),
        "createdAt": Field(Tenant.created_at, Kind.datetime),
        "updatedAt": Field(Tenant.updated_at, Kind.datetime),
    },
    default_sort="name",
    readable=readable,
    writable=lambda access: tenant_writable(access, Tenant.id),
    to_doc=service.to_doc,
    relations=(Relation("branding.logo", "media"),),
    create_schema=TenantCreate,
    create=service.create,
    update_schema=TenantUpdate,
    update=service.update,
    delete=service.delete,
)
