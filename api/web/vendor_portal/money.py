"""Commissions and payouts: the vendor's commission ledger (sale and reversal lines with rule, rate and
amounts), the balance available for payout and how it is made up, "request payout" (through the same service
and minimum as `POST /vendor/payouts/request`), and the payout history."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import money
from api.commissions.models import CommissionLine, LineType
from api.config import Settings
from api.deps import AppSettings, CommerceSession
from api.errors import AppError
from api.payouts import balance as balances
from api.payouts import service as payouts
from api.payouts.models import Payout
from api.payouts.schemas import PayoutRequestIn
from api.vendor_portal import scope
from api.vendors.models import Vendor
from api.web.auth import Form
from api.web.components import Pager
from api.web.forms import app_error_fields, fields, validate
from api.web.render import redirect
from api.web.vendor_portal.common import ROOT, VendorEditor, VendorUser, page, router, vendor_of, writable_vendor

PER_PAGE = 25
BALANCE_LABELS = [
    ("available", "Available for payout"),
    ("pending", "Pending (captured; waiting for the approved commission run and the holding period)"),
    ("in_payout", "In payout (requested or approved)"),
    ("paid", "Paid out"),
    ("uncaptured", "Not yet captured (orders authorised, not charged)"),
]


@router.get(f"{ROOT}/commissions")
def commission_ledger(
    request: Request, actor: VendorUser, session: CommerceSession,
    type: Annotated[str, Query(max_length=20)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    vendor = vendor_of(session, actor)
    statement = scope.readable_commission_lines(actor)
    chosen = LineType(type) if type in {t.value for t in LineType} else None
    if chosen is not None:
        statement = statement.where(CommissionLine.type == chosen)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    lines = list(session.scalars(statement.order_by(CommissionLine.created_at.desc(), CommissionLine.id)
                                 .limit(PER_PAGE).offset((page_number - 1) * PER_PAGE)))
    return page(request, "commissions.html", vendor, "commissions", {
        "lines": lines, "pager": Pager.of(page_number, PER_PAGE, total, f"{ROOT}/commissions", {"type": type}),
        "types": [("", "Any"), *((t.value, t.value.capitalize()) for t in LineType)], "type": type,
    })


def balance_parts(session: Session, vendor: Vendor, currency: str) -> dict[str, Any]:
    """The vendor's payable balance in `currency`, part by part (`api.payouts.balance`, the one definition)."""
    return balances.balance(session, vendor.id, currency).as_dict()


def _payouts_page(request: Request, session: Session, settings: Settings, vendor: Vendor, actor: Any,
                  errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                  status_code: int = 200, page_number: int = 1) -> Response:
    currency = vendor.default_currency
    statement = scope.readable_payouts(actor)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = list(session.scalars(statement.order_by(Payout.created_at.desc(), Payout.id).limit(PER_PAGE)
                                .offset((page_number - 1) * PER_PAGE)))
    return page(request, "payouts.html", vendor, "payouts", {
        "currency": currency, "balance": balance_parts(session, vendor, currency), "balance_labels": BALANCE_LABELS,
        "minimum": settings.payout_minimum_amount, "payouts": rows,
        "pager": Pager.of(page_number, PER_PAGE, total, f"{ROOT}/payouts"), "errors": errors or {},
        "values": values or {},
    }, status_code=status_code)


@router.get(f"{ROOT}/payouts")
def payouts_page(request: Request, actor: VendorUser, session: CommerceSession, settings: AppSettings,
                 page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> Response:
    return _payouts_page(request, session, settings, vendor_of(session, actor), actor, page_number=page_number)


@router.post(f"{ROOT}/payouts/request")
def request_payout(request: Request, form: Form, actor: VendorEditor, session: CommerceSession,
                   settings: AppSettings) -> Response:
    vendor = writable_vendor(session, actor)
    values = fields(form, "amount", "note")
    data: dict[str, Any] = {"currency_code": vendor.default_currency, "note": values["note"] or None}
    if values["amount"]:
        try:
            data["amount"] = money.from_decimal(Decimal(values["amount"].replace(",", "")), vendor.default_currency)
        except (InvalidOperation, ValueError):
            data["amount"] = values["amount"]
    body, errors = validate(PayoutRequestIn, data)
    if body is not None:
        try:
            with session.begin_nested():
                payouts.create_payout(session, vendor.id, body.amount, vendor.default_currency, requested_by=actor.id,
                                      note=body.note, minimum_amount=settings.payout_minimum_amount)
        except AppError as exc:
            errors = app_error_fields(exc, {"amount", "note"})
    if body is None or errors:
        return _payouts_page(request, session, settings, vendor, actor, errors, values, status_code=400)
    return redirect(request, f"{ROOT}/payouts", "Payout requested; finance reviews it next.")
