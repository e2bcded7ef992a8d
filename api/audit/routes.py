from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from api.audit import service
from api.audit.schemas import AuditEntryOut
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.deps import CommerceSession, require
from api.pagination import Limit, Offset, Page
from api.routing import Router

router = Router(prefix="/admin/audit-log", tags=["audit"])


@router.get("", response_model=Page[AuditEntryOut], summary="Search the append-only audit log")
def list_audit_entries(
    session: CommerceSession,
    _: Annotated[Actor, Depends(require(Scope.admin_read))],
    actor_id: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditEntryOut]:
    rows, total = service.search(
        session,
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return Page(items=[AuditEntryOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)
