from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.content.common import SyncColumns, Timestamps
from api.db import ContentBase
from api.ids import new_id
from api.state import StateMachine


class TenantStatus(StrEnum):
    draft = "draft"
    active = "active"
    suspended = "suspended"


TENANT_STATES = StateMachine(
    "tenant",
    {
        TenantStatus.draft: {TenantStatus.active},
        TenantStatus.active: {TenantStatus.suspended},
        TenantStatus.suspended: {TenantStatus.active},
    },
)


class Tenant(SyncColumns, Timestamps, ContentBase):
    """A vendor's branded store: configuration, branding, slug and status."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("ten"))
    vendor_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=TenantStatus.draft.value, index=True)
    tagline: Mapped[str | None] = mapped_column(String(300))
    logo_id: Mapped[str | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL", use_alter=True, name="fk_tenants_logo_id_media")
    )
    primary_color: Mapped[str | None] = mapped_column(String(7))
    secondary_color: Mapped[str | None] = mapped_column(String(7))
    heading_font: Mapped[str | None] = mapped_column(String(40))
    domains: Mapped[list[str]] = mapped_column(ARRAY(String(253)), default=list, server_default=text("'{}'"))
    # Localisation (`api.content.locales`): the locale of the content's primary values, and every locale
    # its content may be written and read in (the default among them).
    default_locale: Mapped[str] = mapped_column(String(12), default="en", server_default="en")
    locales: Mapped[list[str]] = mapped_column(ARRAY(String(12)), default=lambda: ["en"],
                                               server_default=text("'{en}'"))


class TenantDomain(ContentBase):
    """Which tenant a domain belongs to; at most one. Kept from `tenants.domains` by a database trigger."""

    __tablename__ = "tenant_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
