from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.audit.models import AuditEntry
from api.auth.actor import Actor
from api.logs import current_request_id


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write an audit entry in the caller's transaction: it lands if and only if the action does."""
    entry = AuditEntry(
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        data=data or {},
        request_id=current_request_id(),
    )
    session.add(entry)
    return entry


def search(
    session: Session,
    *,
    actor_id: str | None,
    action: str | None,
    entity_type: str | None,
    entity_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEntry], int]:
    statement = select(AuditEntry)
    if actor_id:
        statement = statement.where(AuditEntry.actor_id == actor_id)
    if action:
        statement = statement.where(AuditEntry.action == action)
    if entity_type:
        statement = statement.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    if since:
        statement = statement.where(AuditEntry.occurred_at >= since)
    if until:
        statement = statement.where(AuditEntry.occurred_at < until)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total
