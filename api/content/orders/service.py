"""Order records: summaries of commerce orders, written only by the sync (`upsert_from_commerce`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, EmailStr, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.content.common import Input, RefId, iso
from api.content.orders.models import OrderRecord
from api.db import lock_key


class CommerceOrder(Input):
    order_id: RefId
    number: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    customer_id: RefId | None = None
    customer_email: EmailStr | None = None
    total: Annotated[int, Field(ge=0)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    vendor_ids: Annotated[list[RefId], Field(max_length=100)] = []
    status: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    placed_at: AwareDatetime


def to_doc(order: OrderRecord, editable: bool = False) -> dict[str, Any]:
    return {
        "id": order.id,
        "orderId": order.order_id,
        "number": order.number,
        "customerId": order.customer_id,
        "customerEmail": order.customer_email,
        "total": order.total,
        "currency": order.currency,
        "vendorIds": list(order.vendor_ids),
        "status": order.status,
        "placedAt": iso(order.placed_at),
        "syncedAt": iso(order.synced_at),
        "syncStatus": order.sync_status,
        "syncError": order.sync_error,
        "createdAt": iso(order.created_at),
        "updatedAt": iso(order.updated_at),
    }


def upsert_from_commerce(
    session: Session, order: CommerceOrder, *, version: int = 0, synced_at: datetime | None = None
) -> OrderRecord | None:
    """Create or refresh an order record; None (no change) when `version` is not newer than the applied one.
    Deliveries of one order's events may arrive at once (the webhook and the sync job): they take turns."""
    lock_key(session, "order_record", order.order_id)
    record = session.scalars(
        select(OrderRecord).where(OrderRecord.order_id == order.order_id).with_for_update()
    ).first()
    if record is not None and version and record.source_version >= version:
        return None
    if record is None:
        record = OrderRecord(order_id=order.order_id)
        session.add(record)
    record.source_version = version or record.source_version
    record.number = order.number
    record.customer_id = order.customer_id
    record.customer_email = order.customer_email.lower() if order.customer_email else None
    record.total = order.total
    record.currency = order.currency
    record.vendor_ids = order.vendor_ids
    record.status = order.status
    record.placed_at = order.placed_at
    record.synced_at = synced_at or utcnow()
    record.sync_status = "synced"
    record.sync_error = None
    session.flush()
    return record
