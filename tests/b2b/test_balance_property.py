"""Property test of the one payable balance (`api.payouts.balance`) over random sequences of orders, captures,
partial refunds, cancellations, rule changes, run approvals and payouts (requested, paid, failed, rejected),
built through the services on a simulated clock that moves forward from 150 days ago (so the days can be over
and approved). After every step, for every vendor:

- paid + in payout + available + pending = its share of the money captured, net of refunds, to the cent,
  computed independently from the vendor orders (captured - refunded) and the commission they bear;
- paid and in payout equal its payouts' amounts by status;

and no payout was ever made above what was available at that moment (a request above it is refused)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.commission_runs import service as runs_service
from api.commission_runs.models import CommissionRun, RunStatus
from api.commissions import service as commissions
from api.commissions.models import CommissionLine, CommissionRule, RuleScope
from api.commissions.schemas import RuleVersionIn
from api.db import Database, Domain
from api.errors import ValidationFailed
from api.orders import service as orders
from api.orders.models import Order, PaymentStatus, VendorOrder, VendorOrderStatus
from api.orders.schemas import RefundIn
from api.payouts import balance as balances
from api.payouts import service as payouts
from api.payouts.models import Payout, PayoutStatus
from api.vendors.models import Vendor
from assets.commissions.engine import run_periods
from connectors.payments import ManualProvider
from connectors.payouts import ManualPayoutProvider
from tests.b2b.test_money_invariants import PRICES, _place, _setup
from tests.b2b.test_payouts import RefusingProvider

step = st.one_of(
    st.tuples(st.just("order"), st.lists(st.tuples(st.integers(0, len(PRICES) * 3 - 1), st.integers(1, 4)),
                                         min_size=1, max_size=3, unique_by=lambda line: line[0])),
    st.tuples(st.just("capture"), st.integers(0, 5)),
    st.tuples(st.just("refund"), st.integers(0, 5), st.fractions(min_value=0, max_value=1)),
    st.tuples(st.just("cancel"), st.integers(0, 5), st.integers(0, 2)),
    st.tuples(st.just("rule"), st.sampled_from(["0.0500", "0.1500", "0.2500"])),
    st.tuples(st.just("approve"), st.integers(0, 3)),
    st.tuples(st.just("payout"), st.integers(0, 2), st.fractions(min_value=0, max_value=1), st.booleans()),
    st.tuples(st.just("decide"), st.integers(0, 3), st.sampled_from(["pay", "fail", "reject"])),
)


def _independent(session: Session, vendor_id: str) -> int:
    """The vendor's share of captured money net of refunds, from the vendor orders and their commission."""
    total = 0
    for vo in session.scalars(select(VendorOrder).where(VendorOrder.vendor_id == vendor_id,
                                                        VendorOrder.captured_total > 0)):
        commission = session.scalar(select(func.coalesce(func.sum(CommissionLine.commission_amount), 0))
                                    .where(CommissionLine.vendor_order_id == vo.id)) or 0
        total += vo.captured_total - vo.refunded_total - int(commission)
    return total


def _check(session: Session, vendor_ids: list[str]) -> None:
    for vendor_id in vendor_ids:
        found = balances.balance(session, vendor_id, "EUR")
        assert found.paid + found.in_payout + found.available + found.pending == _independent(session, vendor_id)
        by_status = dict(session.execute(select(Payout.status, func.sum(Payout.amount))
                                         .where(Payout.vendor_id == vendor_id).group_by(Payout.status)).all())
        assert found.paid == int(by_status.get(PayoutStatus.paid, 0))
        assert found.in_payout == int(by_status.get(PayoutStatus.requested, 0)) + int(
            by_status.get(PayoutStatus.approved, 0))


def test_paid_plus_available_plus_pending_is_the_captured_share(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [datetime.combine(utcnow().date() - timedelta(days=150), time(9), tzinfo=UTC)]
    for module in ("api.carts.service", "api.orders.service", "api.payments.service", "api.commissions.service"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: clock[0])
    with database.transaction(Domain.commerce) as session:
        world = _setup(session)
        session.execute(text("UPDATE commerce.commission_rules SET valid_from = '2020-01-01T00:00:00Z'"))
        vendor_ids = list(session.scalars(select(Vendor.id).order_by(Vendor.slug)))
    provider = ManualProvider()
    made: list[tuple[int, int]] = []  # (payout amount, available just before)

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=st.lists(st.tuples(step, st.integers(0, 5)), min_size=1, max_size=14))
    def run(steps: list[tuple[tuple[Any, ...], int]]) -> None:
        # Every example ends the same way, so that money always becomes available and is paid out: a captured
        # order, the next day, every finished day approved, and each vendor asking for all it may have.
        ending: list[tuple[tuple[Any, ...], int]] = [
            (("order", [(0, 1), (7, 2), (14, 1)]), 0), (("capture", 0), 0), (("approve", 99), 24),
            *((("payout", v, Fraction(1), False), 0) for v in range(3)), (("decide", 0, "pay"), 0)]
        with database.transaction(Domain.commerce) as session:
            for (kind, *args), hours in [*steps, *ending]:
                clock[0] += timedelta(hours=hours, minutes=7)
                assert clock[0].date() < utcnow().date()
                recent = list(session.scalars(select(Order).order_by(Order.created_at.desc(), Order.id).limit(6)))
                if kind == "order":
                    _place(session, world, args[0])
                elif kind == "capture" and recent:
                    order = recent[args[0] % len(recent)]
                    if order.payment_status == PaymentStatus.authorized:
                        orders.capture(session, provider, order.id)
                elif kind == "refund" and recent:
                    order = recent[args[0] % len(recent)]
                    refundable = sum(vo.captured_total - vo.refunded_total for vo in order.vendor_orders)
                    amount = int(refundable * args[1])
                    if amount > 0 and order.payment_status in (PaymentStatus.captured,
                                                               PaymentStatus.partially_refunded):
                        orders.refund(session, provider, order.id, RefundIn(amount=amount))
                elif kind == "cancel" and recent:
                    order = recent[args[0] % len(recent)]
                    vo = order.vendor_orders[args[1] % len(order.vendor_orders)]
                    if vo.status == VendorOrderStatus.pending:
                        orders.cancel_vendor_order(session, provider, order.id, vo.id)
                elif kind == "rule":
                    current = session.scalar(select(CommissionRule.id).where(
                        CommissionRule.scope == RuleScope.vendor, CommissionRule.valid_to.is_(None)))
                    assert current is not None
                    commissions.new_version(session, current, RuleVersionIn(rate=Decimal(args[0])))
                elif kind == "approve":
                    # The earliest finished day with sales and no approved run: compute, check, approve.
                    days = sorted(set(session.scalars(text(
                        "SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM commerce.orders"
                        " WHERE created_at < CAST(:today AS date)"), {"today": clock[0].date()})))
                    done = set(session.scalars(select(CommissionRun.period_start)
                                               .where(CommissionRun.status != RunStatus.draft)))
                    waiting = [d for d in days if d not in done][: args[0] + 1]
                    for result in run_periods(session, [(d, d) for d in waiting]):
                        runs_service.record_checks(session, result.run_id, [
                            {"check": "matches_recorded", "passed": result.finding_count == 0, "failed": []}])
                        assert result.finding_count == 0, result.findings[:3]
                        runs_service.approve_run(session, result.run_id, None)
                elif kind == "payout":
                    vendor_id = vendor_ids[args[0]]
                    available = balances.balance(session, vendor_id, "EUR").available
                    amount = available + 1 + int(args[1] * 1000) if args[2] else int(available * args[1])
                    if amount >= 1 and amount <= available:
                        payout = payouts.create_payout(session, vendor_id, amount, "EUR", minimum_amount=1)
                        made.append((payout.amount, available))
                    elif amount >= 1:
                        with pytest.raises(ValidationFailed), session.begin_nested():
                            payouts.create_payout(session, vendor_id, amount, "EUR", minimum_amount=1)
                elif kind == "decide":
                    waiting_payouts = list(session.scalars(select(Payout).where(
                        Payout.status == PayoutStatus.requested).order_by(Payout.id)))
                    if waiting_payouts:
                        payout = waiting_payouts[args[0] % len(waiting_payouts)]
                        if args[1] == "reject":
                            payouts.reject(session, payout.id, None, None)
                        else:
                            chosen = ManualPayoutProvider() if args[1] == "pay" else RefusingProvider()
                            payouts.approve(session, chosen, payout.id, None)
                _check(session, vendor_ids)

    run()
    assert made, "no example made a payout: the strategies need a look"
    assert all(amount <= available for amount, available in made)
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(func.count()).select_from(Payout)) == len(made)
