from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from api.auth.models import Role
from api.content.access import Access
from api.content.orders import service
from api.content.orders.models import OrderRecord
from api.content.query import Field, Kind
from api.content.spec import Collection


def readable(access: Access) -> ColumnElement[bool]:
    """Admins read every record, a vendor the orders it sells in, a customer those placed under its customer
    id (never by email: emails are not verified, and a guest's email may be registered by anyone)."""
    if access.is_admin:
        return true()
    if access.vendor_id is not None:
        return OrderRecord.vendor_ids.contains([access.vendor_id])
    if access.actor.role is Role.customer and access.actor.id:
        return OrderRecord.customer_id == access.actor.id
    return false()

COLLECTION = Collection(
    slug="orders",
    model=OrderRecord,
    description="Summaries of commerce orders, written by the sync; read-only here.",
    fields={
        "id": Field(OrderRecord.id),
        "orderId": Field(OrderRecord.order_id),
        "number": Field(OrderRecord.number),
        "customerId": Field(OrderRecord.customer_id),
        "customerEmail": Field(OrderRecord.customer_email),
        "total": Field(OrderRecord.total, Kind.number),
        "currency": Field(OrderRecord.currency),
        "vendorIds": Field(OrderRecord.vendor_ids, Kind.array),
        "status": Field(OrderRecord.status),
        "placedAt": Field(OrderRecord.placed_at, Kind.datetime),
        "syncStatus": Field(OrderRecord.sync_status, choices=("synced", "pending", "failed")),
        "syncedAt": Field(OrderRecord.synced_at, Kind.datetime),
    },
    default_sort="-placedAt",
    readable=readable,
    writable=lambda access: false(),
    to_doc=service.to_doc,
)
