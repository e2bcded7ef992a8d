"""Tenants: created by platform admins; a vendor may change the branding, name, tagline and domains of
its own tenant; status moves draft -> active <-> suspended (StateMachine, 409 otherwise). Every change
writes `tenant.configured` to the content outbox. `defaultLocale` and `locales` (`api.content.locales`) say which
locales the tenant's content is written in; the default must be enabled. Changing the default relabels the
primary values (they are then read as the new default locale's); no translation moves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.content.access import Access
from api.content.common import ensure_exist, flush_unique, iso
from api.content.media.models import Media
from api.content.tenants.models import TENANT_STATES, Tenant, TenantStatus
from api.content.tenants.schemas import BrandingIn, TenantCreate, TenantUpdate
from api.db import lock_key
from api.errors import FieldError, Forbidden, ValidationFailed
from api.outbox.models import ContentOutboxEvent
from api.outbox.service import record

ADMIN_ONLY_FIELDS = frozenset({"slug", "vendor_id", "status"})


def to_doc(tenant: Tenant, editable: bool = False) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "name": tenant.name,
        "slug": tenant.slug,
        "status": tenant.status,
        "vendorId": tenant.vendor_id,
        "tagline": tenant.tagline,
        "branding": {
            "logo": tenant.logo_id,
            "primaryColor": tenant.primary_color,
            "secondaryColor": tenant.secondary_color,
            "headingFont": tenant.heading_font,
        },
        "domains": list(tenant.domains),
        "defaultLocale": tenant.default_locale,
        "locales": list(tenant.locales),
        "createdAt": iso(tenant.created_at),
        "updatedAt": iso(tenant.updated_at),
    }


def _apply_branding(session: Session, tenant: Tenant, branding: BrandingIn) -> None:
    if branding.logo is not None:
        ensure_exist(session, Media, [branding.logo], "media", tenant_id=tenant.id, tenant_scoped=True)
    tenant.logo_id = branding.logo
    tenant.primary_color = branding.primary_color
    tenant.secondary_color = branding.secondary_color
    tenant.heading_font = branding.heading_font


def _configured(session: Session, tenant: Tenant) -> None:
    session.flush()
    record(session, ContentOutboxEvent, "tenant.configured", "tenant", tenant.id, to_doc(tenant))


def create(session: Session, access: Access, body: TenantCreate) -> Tenant:
    access.require_admin("create tenants")
    tenant = Tenant(
        name=body.name,
        slug=body.slug,
        vendor_id=body.vendor_id,
        tagline=body.tagline,
        domains=body.domains,
        default_locale=body.default_locale,
        locales=body.locales or [body.default_locale],
        status=TenantStatus.draft.value,
    )
    session.add(tenant)
    flush_unique(session, "A tenant with this slug, vendor or domain already exists.")
    _apply_branding(session, tenant, body.branding)
    _configured(session, tenant)
    return tenant


def update(session: Session, access: Access, tenant: Tenant, body: TenantUpdate) -> Tenant:
    changes = body.model_dump(exclude_unset=True)
    if not access.is_admin and ADMIN_ONLY_FIELDS & changes.keys():
        raise Forbidden("Only platform admins can change a tenant's slug, vendor or status.")
    if body.status is not None and body.status.value != tenant.status:
        tenant.status = TENANT_STATES.transition(tenant.status, body.status).value
    for name in ("name", "slug", "vendor_id", "tagline", "domains", "default_locale", "locales"):
        if name in changes:
            setattr(tenant, name, changes[name])
    if tenant.default_locale not in tenant.locales:
        raise ValidationFailed("defaultLocale must be one of locales.",
                               errors=[FieldError(field="defaultLocale", message="not one of locales")])
    if body.branding is not None:
        _apply_branding(session, tenant, body.branding)
    flush_unique(session, "A tenant with this slug, vendor or domain already exists.")
    _configured(session, tenant)
    return tenant


def delete(session: Session, access: Access, tenant: Tenant) -> None:
    access.require_admin("delete tenants")
    session.delete(tenant)
    flush_unique(session, "This tenant still has content; delete its pages, posts, media and menus first.")


def upsert_from_vendor(
    session: Session, *, vendor_id: str, name: str, slug: str, status: TenantStatus, version: int
) -> Tenant | None:
    """The tenant of a commerce vendor: created as a draft with the vendor's name and slug, then only its
    status follows the vendor (content owns everything else). None when `version` is not newer."""
    lock_key(session, "vendor_tenant", vendor_id)
    tenant = session.scalars(select(Tenant).where(Tenant.vendor_id == vendor_id).with_for_update()).first()
    if tenant is not None and tenant.source_version >= version:
        return None
    if tenant is None:
        taken = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        tenant = Tenant(
            vendor_id=vendor_id,
            name=name,
            slug=slug if taken is None else f"{slug}-{vendor_id.split('_')[-1][:6]}",
            status=TenantStatus.draft.value,
        )
        session.add(tenant)
    tenant.status = status.value
    tenant.source_version = version
    tenant.synced_at = utcnow()
    tenant.sync_status = "synced"
    tenant.sync_error = None
    session.flush()
    _configured(session, tenant)
    return tenant
