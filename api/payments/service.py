"""Money movements of an order at its payment provider, and the bookkeeping that mirrors them.
Amounts come from the order's vendor orders; every split goes through `api.money.allocate`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.batch_write import new_row
from api.clock import utcnow
from api.config import Settings
from api.errors import BadRequest, ServiceUnavailable
from api.orders.models import PAYMENT_STATUS, Order, PaymentStatus, VendorOrderStatus
from api.payments.models import Payment, Refund, StripeWebhookEvent
from connectors.payments import PaymentError, PaymentProvider, PaymentUnavailable, make_provider


def provider_for(settings: Settings) -> PaymentProvider:
    try:
        return make_provider(
            settings.payment_provider,
            stripe_api_key=settings.stripe_api_key,
            stripe_api_base=settings.stripe_api_base,
        )
    except PaymentUnavailable as exc:
        raise ServiceUnavailable(str(exc)) from exc


def provider_error(exc: PaymentError) -> BadRequest | ServiceUnavailable:
    """The problem a provider failure is answered with."""
    if isinstance(exc, PaymentUnavailable):
        return ServiceUnavailable(f"The payment provider is not available: {exc}")
    return BadRequest(f"The payment provider refused: {exc}")


def authorize(provider: PaymentProvider, order: dict[str, Any], payment_method: str | None) -> dict[str, Any]:
    """Authorise the total of an order being placed (its row, `api.orders.service.place`), which is marked
    authorised; returns its payment row. The caller must cancel the authorisation if its transaction fails later."""
    status = PAYMENT_STATUS.transition(order["payment_status"], PaymentStatus.authorized)
    try:
        reference = provider.authorize(
            amount=order["total"], currency=order["currency_code"], reference=order["id"],
            payment_method=payment_method,
        )
    except PaymentError as exc:
        raise provider_error(exc) from exc
    order["payment_status"] = status
    return new_row(
        Payment,
        order_id=order["id"],
        provider=provider.name,
        provider_reference=reference,
        currency_code=order["currency_code"],
        amount=order["total"],
        captured_amount=0,
        refunded_amount=0,
    )


def _payment(order: Order) -> Payment:
    if order.payment is None:
        raise BadRequest("The order has no payment.")
    return order.payment


def book_capture(order: Order) -> int:
    """Record that the authorisation was captured for every vendor order still open; return the amount."""
    order.payment_status = PAYMENT_STATUS.transition(order.payment_status, PaymentStatus.captured)
    amount, now = 0, utcnow()
    for vendor_order in order.vendor_orders:
        if vendor_order.status != VendorOrderStatus.canceled:
            vendor_order.captured_total, vendor_order.captured_at = vendor_order.total, now
            amount += vendor_order.total
    _payment(order).captured_amount = amount
    return amount


def capture(provider: PaymentProvider, order: Order) -> int:
    PAYMENT_STATUS.transition(order.payment_status, PaymentStatus.captured)
    payment = _payment(order)
    amount = sum(vo.total for vo in order.vendor_orders if vo.status != VendorOrderStatus.canceled)
    try:
        provider.capture(payment.provider_reference, amount, payment.currency_code)
    except PaymentError as exc:
        raise provider_error(exc) from exc
    return book_capture(order)


def void(provider: PaymentProvider, order: Order) -> None:
    """Release the whole authorisation (nothing was captured)."""
    order.payment_status = PAYMENT_STATUS.transition(order.payment_status, PaymentStatus.canceled)
    try:
        provider.cancel(_payment(order).provider_reference)
    except PaymentError as exc:
        raise provider_error(exc) from exc


def refund(
    session: Session,
    provider: PaymentProvider,
    order: Order,
    allocations: dict[str, int],
    reason: str | None,
    vendor_order_id: str | None = None,
) -> Refund:
    """Give back the sum of `allocations` (vendor order id -> amount), already checked by the caller."""
    amount = sum(allocations.values())
    payment = _payment(order)
    target = (
        PaymentStatus.refunded
        if payment.refunded_amount + amount == payment.captured_amount
        else PaymentStatus.partially_refunded
    )
    order.payment_status = PAYMENT_STATUS.transition(order.payment_status, target)
    try:
        reference = provider.refund(payment.provider_reference, amount, payment.currency_code)
    except PaymentError as exc:
        raise provider_error(exc) from exc
    payment.refunded_amount += amount
    for vendor_order in order.vendor_orders:
        vendor_order.refunded_total += allocations.get(vendor_order.id, 0)
    refund = Refund(
        order_id=order.id,
        vendor_order_id=vendor_order_id,
        amount=amount,
        reason=reason,
        allocations={k: v for k, v in allocations.items() if v},
        provider_reference=reference,
        created_at=utcnow(),
    )
    session.add(refund)
    order.refunds.append(refund)
    return refund


# ---- Stripe webhooks -----------------------------------------------------------------------------------


def first_delivery(session: Session, event_id: str, event_type: str, payload: dict[str, Any]) -> bool:
    """Remember the event; False if it was seen before (then it must change nothing)."""
    inserted = session.execute(
        insert(StripeWebhookEvent)
        .values(id=event_id, type=event_type, payload=payload)
        .on_conflict_do_nothing(index_elements=[StripeWebhookEvent.id])
        .returning(StripeWebhookEvent.id)
    ).first()
    return inserted is not None


def order_for_intent(session: Session, intent_id: str) -> Order | None:
    return session.scalar(
        select(Order)
        .join(Payment, Payment.order_id == Order.id)
        .where(Payment.provider == "stripe", Payment.provider_reference == intent_id)
        .with_for_update(of=Order)
    )
