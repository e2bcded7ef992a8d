from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.content.common import SyncColumns, Timestamps
from api.db import ContentBase
from api.ids import new_id


class OrderRecord(SyncColumns, Timestamps, ContentBase):
    """A summary of a commerce order, written by the sync; read-only through the API."""

    __tablename__ = "order_records"
    __table_args__ = (Index("ix_order_records_vendor_ids", "vendor_ids", postgresql_using="gin"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("ord"))
    order_id: Mapped[str] = mapped_column(String(40), unique=True)
    number: Mapped[str] = mapped_column(String(40))
    # Who may read the record as its customer: the commerce customer id, never a (possibly unverified) email.
    customer_id: Mapped[str | None] = mapped_column(String(40), index=True)
    customer_email: Mapped[str | None] = mapped_column(String(320), index=True)
    total: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    vendor_ids: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default=text("'{}'"))
    status: Mapped[str] = mapped_column(String(30))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
