"""Lineage a finance user can follow: the commission lines, order lines, rule versions and refunds that make up
a run's total (per vendor and currency: a statement line) or a payout.

- A **run total** is made of the sale lines of the orders placed in the run's period (`orders.created_at`),
  the refund reversals of refunds made in it and the cancellation reversals of vendor orders canceled in it:
  exactly what the commission run counts.
- A **payout** is made of the lines (sales and all their reversals up to the payout) of the vendor's vendor
  orders in its currency that were captured before it and whose sale day lies in a run that made them payable
  (`api.payouts.balance`): for a batch payout the runs the batch lists, for a requested one the runs approved
  or locked at the time it was made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api.commission_runs.models import CommissionRun, PayoutBatchRun
from api.commission_runs.service import get_run, run_lines
from api.commissions.models import CommissionLine, CommissionRule
from api.errors import NotFound
from api.orders.models import Order, OrderLineItem, VendorOrder
from api.payments.models import Refund
from api.payouts.models import Payout


def _utc_day(column: Any) -> Any:
    return func.date(func.timezone("UTC", column))


def _answer(session: Session, lines: list[CommissionLine], **head: Any) -> dict[str, Any]:
    item_ids = {line.order_line_item_id for line in lines}
    refund_ids = {line.refund_id for line in lines if line.refund_id}
    rule_ids = {line.rule_id for line in lines if line.rule_id}
    items = list(session.scalars(select(OrderLineItem).where(OrderLineItem.id.in_(item_ids))))
    refunds = list(session.scalars(select(Refund).where(Refund.id.in_(refund_ids))))
    rules = list(session.scalars(select(CommissionRule).where(CommissionRule.id.in_(rule_ids))))
    return {
        **head,
        "totals": {field: sum(getattr(line, field) for line in lines)
                   for field in ("gross_amount", "base_amount", "commission_amount", "vendor_amount")},
        "commission_lines": lines,
        "order_lines": sorted(items, key=lambda i: i.id),
        "rules": sorted(rules, key=lambda r: r.id),
        "refunds": sorted(refunds, key=lambda r: r.id),
    }


def run_lineage(session: Session, run_id: str, vendor_id: str | None, currency: str | None) -> dict[str, Any]:
    run = get_run(session, run_id)
    lines = list(session.scalars(run_lines(run, vendor_id=vendor_id, currency=currency)))
    return _answer(session, lines, subject="commission_run", id=run.id, vendor_id=vendor_id, currency_code=currency)


def payout_lineage(session: Session, payout_id: str) -> dict[str, Any]:
    payout = session.get(Payout, payout_id)
    if payout is None:
        raise NotFound("No such payout.")
    runs = select(CommissionRun).where(CommissionRun.checks_passed)
    if payout.batch_id is not None:
        runs = runs.where(CommissionRun.id.in_(
            select(PayoutBatchRun.run_id).where(PayoutBatchRun.batch_id == payout.batch_id)))
    else:
        runs = runs.where(CommissionRun.approved_at <= payout.created_at)
    periods = [(r.period_start, r.period_end) for r in session.scalars(runs)]
    at: datetime = payout.created_at
    lines: list[CommissionLine] = []
    if periods:
        sale_day = _utc_day(Order.created_at)
        lines = list(session.scalars(
            select(CommissionLine)
            .join(Order, Order.id == CommissionLine.order_id)
            .join(VendorOrder, VendorOrder.id == CommissionLine.vendor_order_id)
            .where(CommissionLine.vendor_id == payout.vendor_id, CommissionLine.currency_code == payout.currency_code,
                   VendorOrder.captured_total > 0, VendorOrder.captured_at <= at, CommissionLine.created_at <= at,
                   or_(*(sale_day.between(start, end) for start, end in periods)))
            .order_by(CommissionLine.created_at, CommissionLine.id)
        ))
    return _answer(session, lines, subject="payout", id=payout.id, vendor_id=payout.vendor_id,
                   currency_code=payout.currency_code, amount=payout.amount, status=payout.status)
