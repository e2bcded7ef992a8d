"""Payouts: the balance, concurrent requests on the same earnings, failure returning the amount, and the
function the payout-batch asset calls."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from api.db import Database, Domain
from api.errors import ValidationFailed
from api.payouts import service as payouts
from api.payouts.models import PayoutStatus
from connectors.payouts import PayoutError
from tests.b2b.conftest import Market
from tests.conftest import assert_problem


class RefusingProvider:
    name = "refusing"

    def transfer(self, *, reference: str, amount: int, currency: str, destination: str | None) -> str:
        raise PayoutError("insufficient platform balance")


def test_two_requests_at_once_cannot_spend_the_same_earnings(market: Market, database: Database) -> None:
    vendor, headers, variant = market.seller(price=10_000)
    order = market.buy([(variant, 1)])  # 10000 + 500 + 20% = 12600; commission 1000 -> earnings 11600
    market.settle(order["id"])
    assert market.ok(market.client.get("/vendor/payouts/balance", headers=headers))["available"] == 11600
    outcome: list[object] = []

    def second_request() -> None:
        try:
            with database.transaction(Domain.commerce) as session:
                outcome.append(payouts.create_payout(session, vendor["id"], 11600, "EUR").id)
        except ValidationFailed as exc:
            outcome.append(exc)

    with database.transaction(Domain.commerce) as session:
        first = payouts.create_payout(session, vendor["id"], None, "EUR", date(2026, 11, 1), date(2026, 11, 30))
        assert (first.amount, first.status, first.period_end) == (11600, PayoutStatus.requested, date(2026, 11, 30))
        other = threading.Thread(target=second_request)
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive(), "the second request must wait for the vendor row lock"
    other.join(timeout=10)
    [result] = outcome
    assert isinstance(result, ValidationFailed) and "available balance is 0" in str(result.detail)


def test_a_failed_payout_returns_its_amount_to_the_balance(market: Market, database: Database) -> None:
    vendor, headers, variant = market.seller(price=10_000)
    market.settle(market.buy([(variant, 1)])["id"])
    requested = market.ok(market.client.post("/vendor/payouts/request", json={"amount": 6000}, headers=headers), 201)
    with database.transaction(Domain.commerce) as session:
        failed = payouts.approve(session, RefusingProvider(), requested["id"], "usr_finance")
        assert (failed.status, failed.failure_reason) == (PayoutStatus.failed, "insufficient platform balance")
    assert market.ok(market.client.get("/vendor/payouts/balance", headers=headers))["available"] == 11600
    finance = market.finance()
    assert_problem(market.client.post(f"/admin/payouts/{requested['id']}/approve", headers=finance), 409,
                   "invalid-state-transition")
    assert market.ok(market.client.get(f"/admin/payouts/{requested['id']}", headers=finance))["status"] == "failed"
    assert_problem(market.client.get("/admin/payouts/po_missing", headers=finance), 404, "not-found")
    with database.transaction(Domain.commerce) as session, pytest.raises(ValidationFailed):
        payouts.create_payout(session, vendor["id"], 100, "EUR")  # below the default minimum of 5000
