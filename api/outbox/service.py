from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.batch_write import new_row
from api.outbox.models import CommerceOutboxEvent, ContentOutboxEvent

OutboxEvent = CommerceOutboxEvent | ContentOutboxEvent


def record(
    session: Session,
    event_class: type[CommerceOutboxEvent] | type[ContentOutboxEvent],
    topic: str,
    entity_type: str,
    entity_id: str,
    payload: dict[str, Any],
) -> OutboxEvent:
    """Write an event in the caller's transaction: it exists if and only if the change does."""
    event = event_class(**new_event(event_class, topic, entity_type, entity_id, payload))
    session.add(event)
    return event


def new_event(
    event_class: type[CommerceOutboxEvent] | type[ContentOutboxEvent],
    topic: str,
    entity_type: str,
    entity_id: str,
    payload: dict[str, Any],
) -> dict[str, Any]:
    """An event as a plain row (`api.batch_write.new_row`), for a statement that writes it with its change."""
    return new_row(event_class, topic=topic, entity_type=entity_type, entity_id=entity_id, payload=payload)
