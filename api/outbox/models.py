"""The transactional outbox of each store: an event row written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase, ContentBase
from api.ids import new_id


class OutboxColumns:
    # `position` orders events for consumers that keep a cursor (the Dagster sensor, the dispatcher).
    position: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: new_id("evt"))
    topic: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set once the webhook dispatcher has fanned the event out to its subscriptions.
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CommerceOutboxEvent(OutboxColumns, CommerceBase):
    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_undispatched", "position", postgresql_where=text("dispatched_at IS NULL")),
    )


class ContentOutboxEvent(OutboxColumns, ContentBase):
    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_undispatched", "position", postgresql_where=text("dispatched_at IS NULL")),
    )
