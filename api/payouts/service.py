"""Vendor payouts.

What a vendor may be paid is defined once, in `api.payouts.balance`. Requests lock the vendor row
(`SELECT ... FOR UPDATE`), so two concurrent requests never both spend the same balance, and are refused above
what is available. Approval pays through the payout provider at once: `requested -> approved -> paid`, or
`-> failed` when the provider refuses (a failed payout holds nothing: its amount returns to the balance).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.config import get_settings
from api.errors import FieldError, NotFound, ValidationFailed
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent
from api.payouts import balance as balances
from api.payouts.models import PAYOUT_STATUS, Payout, PayoutStatus
from api.vendors import service as vendors
from connectors.payouts import PayoutError, PayoutProvider


def create_payout(
    session: Session,
    vendor_id: str,
    amount: int | None,
    currency: str,
    period_start: date | None = None,
    period_end: date | None = None,
    *,
    requested_by: str | None = None,
    note: str | None = None,
    minimum_amount: int | None = None,
    batch_id: str | None = None,
    runs: list[str] | None = None,
) -> Payout:
    """Request a payout of `amount` (all that is available when None) in `currency` for `vendor_id`: at least
    the minimum (PAYOUT_MINIMUM_AMOUNT), at most what `api.payouts.balance` says is available (counting only
    the approved runs `runs` when given). Locks the vendor row until the transaction ends. Called by
    `POST /vendor/payouts/request` and by the payout-batch asset (with its `batch_id` and `runs`)."""
    vendors.get_vendor(session, vendor_id, for_update=True)
    minimum = get_settings().payout_minimum_amount if minimum_amount is None else minimum_amount
    found = balances.balances(session, vendor_id=vendor_id, currency=currency, runs=runs)
    available = found[0].available if found else 0
    amount = available if amount is None else amount
    if amount < max(minimum, 1):
        raise ValidationFailed(
            f"A payout is at least {minimum} (minor units of {currency}); asked {amount}, balance {available}.",
            errors=[FieldError(field="amount", message=f"below the minimum {minimum}")],
        )
    if amount > available:
        raise ValidationFailed(
            f"The available balance is {available} {currency}; {amount} cannot be paid out.",
            errors=[FieldError(field="amount", message=f"exceeds the available balance {available}")],
        )
    if period_start is not None and period_end is not None and period_end < period_start:
        raise ValidationFailed("period_end is before period_start.")
    payout = Payout(
        vendor_id=vendor_id,
        amount=amount,
        currency_code=currency,
        status=PayoutStatus.requested,
        period_start=period_start,
        period_end=period_end,
        requested_by=requested_by,
        note=note,
        batch_id=batch_id,
        version=1,
    )
    session.add(payout)
    session.flush()
    session.refresh(payout)
    return payout


def get_payout(session: Session, payout_id: str, *, vendor_id: str | None = None, for_update: bool = False) -> Payout:
    statement = select(Payout).where(Payout.id == payout_id)
    if vendor_id is not None:
        statement = statement.where(Payout.vendor_id == vendor_id)
    if for_update:
        statement = statement.with_for_update()
    payout = session.scalar(statement)
    if payout is None:
        raise NotFound("No such payout.")
    return payout


def list_payouts(
    session: Session, *, vendor_id: str | None, status: PayoutStatus | None, limit: int, offset: int
) -> tuple[list[Payout], int]:
    statement = select(Payout)
    if vendor_id is not None:
        statement = statement.where(Payout.vendor_id == vendor_id)
    if status is not None:
        statement = statement.where(Payout.status == status)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(Payout.created_at.desc(), Payout.id).limit(limit).offset(offset))
    return list(rows), total


def _decide(payout: Payout, target: PayoutStatus, decided_by: str | None) -> None:
    payout.status = PAYOUT_STATUS.transition(payout.status, target)
    payout.decided_by, payout.decided_at = decided_by, utcnow()
    payout.version += 1


def approve(session: Session, provider: PayoutProvider, payout_id: str, decided_by: str | None) -> Payout:
    """Approve and pay at once; a refused transfer leaves the payout `failed` (its amount back in the balance)."""
    payout = get_payout(session, payout_id, for_update=True)
    _decide(payout, PayoutStatus.approved, decided_by)
    vendor = vendors.get_vendor(session, payout.vendor_id)
    payout.provider = provider.name
    try:
        payout.provider_reference = provider.transfer(
            reference=payout.id, amount=payout.amount, currency=payout.currency_code,
            destination=vendor.stripe_account_id,
        )
    except PayoutError as exc:
        payout.status = PAYOUT_STATUS.transition(payout.status, PayoutStatus.failed)
        payout.failure_reason = str(exc)[:500]
    else:
        payout.status = PAYOUT_STATUS.transition(payout.status, PayoutStatus.paid)
        payout.paid_at = utcnow()
        outbox.record(session, CommerceOutboxEvent, "payout.paid", "payout", payout.id, {
            "payout_id": payout.id, "vendor_id": payout.vendor_id, "amount": payout.amount,
            "currency_code": payout.currency_code, "reference": payout.provider_reference,
        })
    session.flush()
    return payout


def reject(session: Session, payout_id: str, decided_by: str | None, note: str | None) -> Payout:
    payout = get_payout(session, payout_id, for_update=True)
    _decide(payout, PayoutStatus.rejected, decided_by)
    if note:
        payout.note = note
    session.flush()
    return payout
