"""Reads of the vendor portal that more than one surface needs (the `/vendor` API and the vendor portal pages):
a vendor's orders with filters, one order's timeline, and the dashboard's live counts. Every statement starts
from `api.vendor_portal.scope`, so another vendor's rows are never reached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from api.auth.actor import Actor
from api.catalog.models import Product, ProductStatus
from api.errors import NotFound
from api.orders.models import Order, VendorOrder, VendorOrderStatus
from api.outbox.models import CommerceOutboxEvent
from api.vendor_portal import scope


def day_start(day: date) -> datetime:
    """The first instant of a UTC day."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def list_orders(
    session: Session,
    actor: Actor,
    *,
    status: VendorOrderStatus | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[VendorOrder, Order]], int]:
    """The vendor's orders, newest first: its part of each order with the order itself. `date_from` and
    `date_to` are UTC days of the order's placing, both included."""
    statement = scope.readable_vendor_orders(actor).join(Order, Order.id == VendorOrder.order_id)
    if status is not None:
        statement = statement.where(VendorOrder.status == status)
    if date_from is not None:
        statement = statement.where(Order.created_at >= day_start(date_from))
    if date_to is not None:
        statement = statement.where(Order.created_at < day_start(date_to + timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(statement.with_only_columns(VendorOrder.id).subquery()))
    rows = session.execute(
        statement.add_columns(Order)
        .options(selectinload(VendorOrder.items))
        .order_by(Order.created_at.desc(), VendorOrder.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(row[0], row[1]) for row in rows], int(total or 0)


def get_order(session: Session, actor: Actor, vendor_order_id: str) -> tuple[VendorOrder, Order]:
    """One of the vendor's orders (another vendor's answers 404, like a missing one)."""
    row = session.execute(
        scope.readable_vendor_orders(actor)
        .join(Order, Order.id == VendorOrder.order_id)
        .add_columns(Order)
        .where(VendorOrder.id == vendor_order_id)
    ).first()
    if row is None:
        raise NotFound("No such order.")
    return row[0], row[1]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    event: str  # placed, paid, captured, fulfilled, canceled, refunded, updated
    detail: str


def _part(payload: dict[str, Any], vendor_order_id: str) -> dict[str, Any] | None:
    return next((vo for vo in payload.get("vendor_orders") or [] if vo.get("id") == vendor_order_id), None)


def timeline(session: Session, vendor_order: VendorOrder) -> list[TimelineEntry]:
    """What happened to the vendor's part of an order, oldest first, from the order's events in the commerce
    outbox (each carries the whole order): an entry whenever this part, or the order's payment, changed."""
    events = session.scalars(
        select(CommerceOutboxEvent)
        .where(CommerceOutboxEvent.entity_type == "order", CommerceOutboxEvent.entity_id == vendor_order.order_id)
        .order_by(CommerceOutboxEvent.position)
    )
    entries: list[TimelineEntry] = []
    last: dict[str, Any] = {}
    for event in events:
        at, payload = event.occurred_at, event.payload
        part = _part(payload, vendor_order.id)
        if part is None:
            continue
        state = {
            "status": part.get("status"),
            "payment": payload.get("payment_status"),
            "captured": part.get("captured_total"),
            "refunded": part.get("refunded_total"),
        }
        if not last:
            entries.append(TimelineEntry(at, "placed", f"Order placed; payment {state['payment']}."))
        else:
            if state["status"] != last["status"]:
                if state["status"] == VendorOrderStatus.fulfilled:
                    detail = f"Shipped with {part.get('carrier')}, tracking {part.get('tracking_number')}."
                    entries.append(TimelineEntry(at, "fulfilled", detail))
                elif state["status"] == VendorOrderStatus.canceled:
                    entries.append(TimelineEntry(at, "canceled", "Your part of the order was canceled."))
                else:
                    entries.append(TimelineEntry(at, "updated", f"Status {state['status']}."))
            if state["captured"] != last["captured"]:
                entries.append(TimelineEntry(at, "captured", "Payment captured."))
            if state["refunded"] != last["refunded"]:
                entries.append(TimelineEntry(at, "refunded", "Money given back to the buyer."))
            if state["payment"] != last["payment"] and state["captured"] == last["captured"] and state[
                "refunded"
            ] == last["refunded"]:
                entries.append(TimelineEntry(at, "payment", f"Payment {state['payment']}."))
        last = state
    return entries


@dataclass(frozen=True)
class LiveCounts:
    awaiting_fulfillment: int  # the vendor's open (pending) orders now
    awaiting_placed_in_period: int  # of those, placed within the period
    active_products: int  # published products now
    published_in_period: int  # of those, created within the period


def live_counts(session: Session, actor: Actor, date_from: date, date_to: date) -> LiveCounts:
    """The dashboard's counts that are not in the marts (they change by the minute)."""
    start, end = day_start(date_from), day_start(date_to + timedelta(days=1))
    pending = scope.readable_vendor_orders(actor).where(VendorOrder.status == VendorOrderStatus.pending)
    awaiting = session.execute(
        pending.with_only_columns(
            func.count(), func.count().filter(VendorOrder.created_at >= start, VendorOrder.created_at < end)
        )
    ).one()
    published = scope.readable_products(actor).where(Product.status == ProductStatus.published)
    products = session.execute(
        published.with_only_columns(
            func.count(), func.count().filter(Product.created_at >= start, Product.created_at < end)
        )
    ).one()
    return LiveCounts(int(awaiting[0]), int(awaiting[1]), int(products[0]), int(products[1]))
