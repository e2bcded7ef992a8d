"""Who may read and write content: the request's actor turned, once per request, into an `Access`,
and the tenant-scoped rules every tenant-owned collection builds its filters from.

- Platform admins (scope admin:write) read and write everything.
- A vendor user writes the content of its own tenant (the tenant whose `vendor_id` is its vendor).
- Everyone (no token, a publishable key, a customer, a vendor for other tenants) reads only published
  documents of active tenants and published platform-wide documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from api.auth.actor import Actor, ActorKind
from api.auth.models import Role
from api.auth.scopes import Scope
from api.content.tenants.models import Tenant, TenantStatus
from api.deps import ContentSession, CurrentActor
from api.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Access:
    actor: Actor
    is_admin: bool = False
    vendor_id: str | None = None
    tenant_ids: tuple[str, ...] = ()

    @property
    def is_editor(self) -> bool:
        return self.is_admin or bool(self.tenant_ids)

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise Forbidden(f"Only platform admins can {what}.")

    def tenant_for_new(self, tenant_id: str | None) -> str | None:
        """The tenant a new document of this actor belongs to: an admin's choice (None = platform-wide),
        a vendor's own tenant (another tenant answers 404)."""
        if self.is_admin:
            return tenant_id
        if not self.tenant_ids:
            raise Forbidden("Your account has no tenant to write content for.")
        if tenant_id is None:
            return self.tenant_ids[0]
        if tenant_id not in self.tenant_ids:
            raise NotFound("No such tenant.")
        return tenant_id


# The seed and the sync write as the platform itself.
SYSTEM = Access(actor=Actor(kind=ActorKind.api_key, id="system"), is_admin=True)


def access_for(session: Session, actor: Actor) -> Access:
    is_admin = actor.has(Scope.admin_write)
    vendor_id = actor.vendor_id if actor.role is Role.vendor else None
    tenant_ids: tuple[str, ...] = ()
    if vendor_id is not None and not is_admin and actor.has(Scope.content_write):
        tenant_ids = tuple(session.scalars(select(Tenant.id).where(Tenant.vendor_id == vendor_id)))
    return Access(actor=actor, is_admin=is_admin, vendor_id=vendor_id, tenant_ids=tenant_ids)


def _content_access(actor: CurrentActor, session: ContentSession) -> Access:
    return access_for(session, actor)


ContentAccess = Annotated[Access, Depends(_content_access)]


def active_tenants() -> Any:
    return select(Tenant.id).where(Tenant.status == TenantStatus.active.value)


def tenant_readable(access: Access, tenant_column: Any, visible: ColumnElement[bool]) -> ColumnElement[bool]:
    """Readable rows of a tenant-owned collection: `visible` rows (published...) of active tenants or of
    the platform, plus everything of the actor's own tenant, or everything for an admin."""
    if access.is_admin:
        return true()
    public = visible & or_(tenant_column.is_(None), tenant_column.in_(active_tenants()))
    if access.tenant_ids:
        return or_(tenant_column.in_(access.tenant_ids), public)
    return public


def tenant_writable(access: Access, tenant_column: Any) -> ColumnElement[bool]:
    if access.is_admin:
        return true()
    if access.tenant_ids:
        return tenant_column.in_(access.tenant_ids)
    return false()


def admin_writable(access: Access) -> ColumnElement[bool]:
    return true() if access.is_admin else false()
