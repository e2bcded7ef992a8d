"""Sync bookkeeping in each store: receipts of applied webhook events (a duplicate changes nothing),
the cursors of the Dagster sync assets, and the commerce-side records that content feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase, ContentBase


class ReceiptColumns:
    event_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CommerceReceivedEvent(ReceiptColumns, CommerceBase):
    __tablename__ = "received_events"


class ContentReceivedEvent(ReceiptColumns, ContentBase):
    __tablename__ = "received_events"


class CursorColumns:
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CommerceSyncCursor(CursorColumns, CommerceBase):
    __tablename__ = "sync_cursors"


class ContentSyncCursor(CursorColumns, ContentBase):
    __tablename__ = "sync_cursors"


class ContentLink(CommerceBase):
    """What the commerce side knows of a content record it links to: a vendor's tenant (storefront
    settings and branding), its published pages, uploaded media, and a product's content (images, SEO).
    Written only by the sync, ordered by the content record's `updated_at`."""

    __tablename__ = "content_links"

    entity_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str | None] = mapped_column(String(40), index=True)
    vendor_id: Mapped[str | None] = mapped_column(String(40), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    source_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sync_status: Mapped[str] = mapped_column(String(10), default="synced")
    sync_error: Mapped[str | None] = mapped_column(String(2000))
