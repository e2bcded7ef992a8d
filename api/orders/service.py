"""Orders split by vendor: placing, capture, fulfilment, cancellation and refunds.

The order's status, payment status and fulfilment status each move through their own state machine;
every change bumps `version` and writes an outbox event with the whole order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ScalarSelect, Table, func, select
from sqlalchemy.orm import Session

from api import money
from api.batch_write import NewRows, new_row, write_pending
from api.clock import utcnow
from api.commissions import service as commissions
from api.commissions.models import CommissionLine, LineType
from api.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.inventory import service as inventory
from api.inventory.models import Reservation
from api.inventory.schemas import InventoryLevelOut
from api.orders.models import (
    FULFILLMENT_STATUS,
    ORDER_STATUS,
    PAYMENT_STATUS,
    VENDOR_ORDER_STATUS,
    FulfillmentStatus,
    NewOrder,
    Order,
    OrderLineItem,
    OrderStatus,
    PaymentStatus,
    VendorOrder,
    VendorOrderStatus,
)
from api.orders.schemas import OrderOut, RefundIn
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent
from api.payments import service as payments
from api.payments.models import Payment, Refund
from connectors.payments import PaymentError, PaymentProvider


@dataclass(frozen=True)
class LineSnapshot:
    variant_id: str
    product_id: str
    title: str
    variant_title: str
    sku: str
    quantity: int
    unit_price: int


@dataclass(frozen=True)
class VendorPart:
    vendor_id: str
    commission_rate: Decimal
    lines: Sequence[LineSnapshot]
    subtotal: int
    shipping_total: int
    tax_total: int
    shipping_option_id: str | None
    shipping_method_name: str | None

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_total + self.tax_total


def view(order: Order) -> OrderOut:
    return OrderOut.model_validate(order)


def emit(session: Session, topic: str, order: Order, stock: Sequence[InventoryLevelOut] = ()) -> None:
    """Bump the order's version and record `topic` with the order's whole state (its new `updated_at` came
    back with the flush: `eager_defaults`), after the `inventory.updated` events of the `stock` levels the
    change moved."""
    order.version += 1
    session.flush()
    _record(session, topic, order, stock)


def _record(session: Session, topic: str, order: Order, stock: Sequence[InventoryLevelOut]) -> None:
    """The events of an order change the database has: all of them one INSERT when the transaction flushes."""
    inventory.record_changes(session, stock)
    outbox.record(session, CommerceOutboxEvent, topic, "order", order.id, view(order).model_dump(mode="json"))


# ---- reading -------------------------------------------------------------------------------------------


def get_order(
    session: Session, order_id: str, *, customer_id: str | None = None, for_update: bool = False
) -> Order:
    """The order; with `customer_id`, only if it is that customer's (another's answers 404)."""
    statement = select(Order).where(Order.id == order_id)
    if customer_id is not None:
        statement = statement.where(Order.customer_id == customer_id)
    if for_update:
        statement = statement.with_for_update(of=Order)
    order = session.scalar(statement)
    if order is None:
        raise NotFound("No such order.")
    return order


def list_orders(
    session: Session,
    *,
    customer_id: str | None = None,
    vendor_id: str | None = None,
    status: OrderStatus | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Order], int]:
    statement = select(Order)
    if customer_id is not None:
        statement = statement.where(Order.customer_id == customer_id)
    if vendor_id is not None:
        statement = statement.where(
            select(VendorOrder.id).where(VendorOrder.order_id == Order.id, VendorOrder.vendor_id == vendor_id).exists()
        )
    if status is not None:
        statement = statement.where(Order.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def order_for_cart(session: Session, cart_id: str) -> Order | None:
    return session.scalar(select(Order).where(Order.cart_id == cart_id))


# ---- placing -------------------------------------------------------------------------------------------


def new_display_id() -> ScalarSelect[int]:
    """The next order number, taken from the sequence behind `orders.display_id` (an identity column), for a
    statement that reads it before the order is written (the checkout's cart read): the order's events then go in
    the order's own statement. A number taken by a checkout that does not place its order is skipped, as a rolled
    back INSERT skips one; orders numbered by the column's default draw on the same sequence."""
    sequence = func.pg_get_serial_sequence(cast(Table, Order.__table__).fullname, Order.display_id.name)
    return select(func.nextval(sequence)).scalar_subquery()


def place(
    session: Session,
    provider: PaymentProvider,
    *,
    cart_id: str,
    customer_id: str | None,
    email: str,
    region_id: str,
    currency_code: str,
    tax_rate: Decimal,
    shipping_address: dict[str, Any],
    parts: Sequence[VendorPart],
    categories: Mapping[str, Sequence[str]],
    payment_method: str | None,
    company_id: str | None = None,
    changes: NewRows = (),
    display_id: int,
    at: datetime,
    rules: Mapping[str, Sequence[commissions.RuleTerms]],
) -> OrderOut:
    """Create the order and its vendor orders, reserve their stock, then authorise the payment. Stock
    comes first so that a sold-out item never reaches the provider; anything failing after the
    authorisation, up to the outbox events, cancels it before the error propagates (and the transaction rolls
    back). A commission line is recorded per order line (`api.commissions.service`), with the approved
    `categories` of each product and the `rules` in force at `at` that may price it (both by product id, read with
    the cart). `at` is the one instant of the sale: the order's `created_at`; `display_id` its number, taken
    before (`new_display_id`). Returns the order's view.

    The order is built as plain rows with their ids and its number (`NewOrder`), so every row it brings (the
    order, vendor orders, lines, commission lines, reservations, payment and outbox events) goes in one statement
    (`api.batch_write`), with the session's pending changes and the rows of `changes` (the cart it closes), at
    the order's final payment status and first version. No ORM object is made for them: building and tracking
    them cost a checkout more than the statement. The terms were read with the cart, before the stock rows are
    locked, so concurrent buyers of one variant wait for each other only over the writes and the commit."""
    order = new_row(
        Order,
        cart_id=cart_id,
        display_id=display_id,
        customer_id=customer_id,
        company_id=company_id,
        email=email,
        region_id=region_id,
        currency_code=currency_code,
        tax_rate=tax_rate,
        status=OrderStatus.pending,
        payment_status=PaymentStatus.not_paid,
        fulfillment_status=FulfillmentStatus.not_fulfilled,
        subtotal=sum(p.subtotal for p in parts),
        shipping_total=sum(p.shipping_total for p in parts),
        tax_total=sum(p.tax_total for p in parts),
        total=sum(p.total for p in parts),
        shipping_address=shipping_address,
        version=1,
        canceled_at=None,
        created_at=at,
        updated_at=at,
    )
    new = NewOrder(order, [], {})
    for part in sorted(parts, key=lambda p: p.vendor_id):
        vendor_order = new_row(
            VendorOrder,
            order_id=order["id"],
            vendor_id=part.vendor_id,
            status=VendorOrderStatus.pending,
            subtotal=part.subtotal,
            shipping_total=part.shipping_total,
            tax_total=part.tax_total,
            total=part.total,
            captured_total=0,
            refunded_total=0,
            commission_rate=part.commission_rate,
            shipping_option_id=part.shipping_option_id,
            shipping_method_name=part.shipping_method_name,
            # Empty until fulfilment or cancellation, given here because the order's view (`OrderOut`) is
            # validated from these rows.
            carrier=None,
            tracking_number=None,
            fulfilled_at=None,
            canceled_at=None,
        )
        new.vendor_orders.append(vendor_order)
        lines = [
            new_row(
                OrderLineItem,
                vendor_order_id=vendor_order["id"],
                variant_id=line.variant_id,
                product_id=line.product_id,
                title=line.title,
                variant_title=line.variant_title,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                subtotal=line.unit_price * line.quantity,
            )
            for line in part.lines
        ]
        new.lines[vendor_order["id"]] = sorted(lines, key=lambda line: line["id"])
    commission_lines = commissions.record_sale(new, categories, rules)
    stock, reservations = inventory.reserve(
        session,
        [(line["variant_id"], line["vendor_order_id"], line["quantity"])
         for lines in new.lines.values() for line in lines if line["variant_id"]],
    )
    payment = payments.authorize(provider, order, payment_method)
    try:
        placed = OrderOut.model_validate({
            **order,
            "vendor_orders": [{**vo, "items": new.lines[vo["id"]]} for vo in new.vendor_orders],
            "payment": payment,
            "refunds": [],
        })
        events = [*inventory.change_events(stock),
                  outbox.new_event(CommerceOutboxEvent, "order.placed", "order", placed.id,
                                   placed.model_dump(mode="json"))]
        write_pending(session, [  # before the authorisation is left standing
            (Order, [order]),
            (VendorOrder, new.vendor_orders),
            (OrderLineItem, [line for lines in new.lines.values() for line in lines]),
            (CommissionLine, commission_lines),
            (Reservation, reservations),
            (Payment, [payment]),
            (CommerceOutboxEvent, events),
        ], changes=changes)
    except BaseException:
        with suppress(PaymentError):  # the original error is the one to report
            provider.cancel(payment["provider_reference"])
        raise
    return placed


# ---- after the sale ------------------------------------------------------------------------------------


def _settle_statuses(order: Order) -> None:
    """Derive the order's status and fulfilment status from its vendor orders, through their machines."""
    open_parts = [vo for vo in order.vendor_orders if vo.status != VendorOrderStatus.canceled]
    fulfilled = [vo for vo in open_parts if vo.status == VendorOrderStatus.fulfilled]
    if not open_parts:
        fulfillment, status = FulfillmentStatus.canceled, OrderStatus.canceled
    elif len(fulfilled) == len(open_parts):
        fulfillment, status = FulfillmentStatus.fulfilled, OrderStatus.completed
    elif fulfilled:
        fulfillment, status = FulfillmentStatus.partially_fulfilled, OrderStatus.pending
    else:
        fulfillment, status = FulfillmentStatus.not_fulfilled, OrderStatus.pending
    if fulfillment != order.fulfillment_status:
        order.fulfillment_status = FULFILLMENT_STATUS.transition(order.fulfillment_status, fulfillment)
    if status != order.status:
        order.status = ORDER_STATUS.transition(order.status, status)
        if status == OrderStatus.canceled:
            order.canceled_at = utcnow()


def _vendor_order(order: Order, vendor_order_id: str) -> VendorOrder:
    found = next((vo for vo in order.vendor_orders if vo.id == vendor_order_id), None)
    if found is None:
        raise NotFound("No such vendor order in this order.")
    return found


def capture(session: Session, provider: PaymentProvider, order_id: str) -> Order:
    order = get_order(session, order_id, for_update=True)
    payments.capture(provider, order)
    emit(session, "order.updated", order)
    return order


def fulfill(
    session: Session, provider: PaymentProvider, order_id: str, vendor_order_id: str, carrier: str, tracking: str
) -> Order:
    order = get_order(session, order_id, for_update=True)
    vendor_order = _vendor_order(order, vendor_order_id)
    vendor_order.status = VENDOR_ORDER_STATUS.transition(vendor_order.status, VendorOrderStatus.fulfilled)
    if order.payment_status == PaymentStatus.canceled:
        raise Conflict("The order's payment was canceled; it cannot be fulfilled.")
    vendor_order.carrier, vendor_order.tracking_number = carrier, tracking
    vendor_order.fulfilled_at = utcnow()
    inventory.consume(session, vendor_order.id)
    if provider.capture_on_fulfillment and order.payment_status == PaymentStatus.authorized:
        payments.capture(provider, order)
    _settle_statuses(order)
    emit(session, "order.fulfilled", order)
    return order


def _refundable(vendor_order: VendorOrder) -> int:
    return vendor_order.captured_total - vendor_order.refunded_total


def _cancel_part(session: Session, provider: PaymentProvider, order: Order, vendor_order: VendorOrder) -> None:
    """Cancel one vendor order: release its stock and give back its share of the money."""
    vendor_order.status = VENDOR_ORDER_STATUS.transition(vendor_order.status, VendorOrderStatus.canceled)
    inventory.release(session, vendor_order.id)
    if order.payment_status in (PaymentStatus.captured, PaymentStatus.partially_refunded):
        share = _refundable(vendor_order)
        if share > 0:
            record = payments.refund(
                session, provider, order, {vendor_order.id: share}, "vendor order canceled", vendor_order.id
            )
            commissions.record_refund(session, order, record, LineType.cancellation)
    elif order.payment_status == PaymentStatus.authorized and all(
        vo.status == VendorOrderStatus.canceled for vo in order.vendor_orders
    ):
        payments.void(provider, order)
    # Still authorised with other parts open: this share is simply not captured later.
    # The cancellation's time is taken after its refund's: the commission run replays a refund before a
    # cancellation of the same instant, so the refund reverses the lines it reversed here.
    vendor_order.canceled_at = utcnow()
    commissions.reverse_rest(session, vendor_order)


def cancel_vendor_order(session: Session, provider: PaymentProvider, order_id: str, vendor_order_id: str) -> Order:
    order = get_order(session, order_id, for_update=True)
    _cancel_part(session, provider, order, _vendor_order(order, vendor_order_id))
    _settle_statuses(order)
    emit(session, "order.canceled" if order.status == OrderStatus.canceled else "order.updated", order)
    return order


def cancel(session: Session, provider: PaymentProvider, order_id: str) -> Order:
    order = get_order(session, order_id, for_update=True)
    ORDER_STATUS.transition(order.status, OrderStatus.canceled)
    if any(vo.status == VendorOrderStatus.fulfilled for vo in order.vendor_orders):
        raise Conflict("Part of this order has shipped; cancel its open vendor orders one by one instead.")
    for vendor_order in order.vendor_orders:
        if vendor_order.status == VendorOrderStatus.pending:
            _cancel_part(session, provider, order, vendor_order)
    _settle_statuses(order)
    emit(session, "order.canceled", order)
    return order


def refund(session: Session, provider: PaymentProvider, order_id: str, body: RefundIn) -> tuple[Order, Refund]:
    """Refund `amount`, from one vendor order or split over all of them in proportion to what each still
    holds (largest remainder). Never more than was captured and not yet refunded."""
    order = get_order(session, order_id, for_update=True)
    PAYMENT_STATUS.transition(order.payment_status, PaymentStatus.partially_refunded)  # 409 unless captured
    if body.vendor_order_id is not None:
        parts = [_vendor_order(order, body.vendor_order_id)]
    else:
        parts = [vo for vo in order.vendor_orders if _refundable(vo) > 0]
    refundable = sum(_refundable(vo) for vo in parts)
    if body.amount > refundable:
        raise ValidationFailed(
            f"At most {refundable} can be refunded.",
            errors=[FieldError(field="amount", message=f"exceeds the refundable {refundable}")],
        )
    shares = money.allocate(body.amount, [_refundable(vo) for vo in parts])
    record = payments.refund(
        session, provider, order, {vo.id: s for vo, s in zip(parts, shares, strict=True)}, body.reason,
        body.vendor_order_id,
    )
    commissions.record_refund(session, order, record)
    emit(session, "order.refunded", order)
    return order, record


def apply_payment_event(session: Session, event_type: str, provider_reference: str) -> None:
    """Mirror a change made at the provider outside this API (e.g. in the Stripe dashboard)."""
    order = payments.order_for_intent(session, provider_reference)
    if order is None or order.payment_status != PaymentStatus.authorized:
        return
    if event_type == "payment_intent.succeeded":
        payments.book_capture(order)
    elif event_type == "payment_intent.canceled":
        order.payment_status = PAYMENT_STATUS.transition(order.payment_status, PaymentStatus.canceled)
    else:
        return
    emit(session, "order.updated", order)
