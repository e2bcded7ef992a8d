"""The one payable balance (`api.payouts.balance`) through the HTTP API and the real payout-batch asset:
no payout from money never captured, in any path; a refund after approval neither aborts the batch nor pays
anyone twice; runs lock only when a batch pays them."""

from __future__ import annotations

from datetime import date
from typing import Any

from dagster import materialize

from api.commission_runs import service as runs_service
from api.db import Database, Domain
from api.payouts import balance as balances
from assets.commissions.definitions import payout_batch
from orchestration.resources import StoresResource
from tests.b2b.conftest import Market
from tests.b2b.test_payouts import RefusingProvider
from tests.conftest import PASSWORD, assert_problem, owner_urls

BATCH_CONFIG = {"ops": {"commissions__payout_batch": {"config": {"minimum_amount": 1}}}}


def _batch(database: Database) -> Any:
    urls = owner_urls(database.urls)  # Dagster runs as the owner
    result = materialize([payout_batch], run_config=BATCH_CONFIG,
                         resources={"stores": StoresResource(commerce_url=urls.commerce, content_url=urls.content)})
    assert result.success
    return result


def _parts(market: Market, headers: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = market.ok(market.client.get("/vendor/payouts/balance", headers=headers))
    return found


def test_a_vendor_buying_its_own_product_is_never_paid_from_it(market: Market, database: Database) -> None:
    vendor, headers, variant = market.seller(price=10_000)
    # A guest order with the public publishable key; the manual provider authorises without any payment.
    order = market.buy([(variant, 1)], headers=market.shop.store)
    assert order["payment_status"] == "authorized"
    parts = _parts(market, headers)
    assert (parts["uncaptured"], parts["pending"], parts["available"]) == (11600, 0, 0)
    assert_problem(market.client.post("/vendor/payouts/request", json={}, headers=headers), 422, "validation-failed")
    assert_problem(market.client.post("/vendor/payouts/request", json={"amount": 5000}, headers=headers), 422,
                   "validation-failed")

    # Finance approves the order's (finished) day: still nothing captured, so still nothing to pay.
    run = market.settle(order["id"], capture=False)
    assert run["status"] == "approved"
    assert _parts(market, headers)["available"] == 0
    assert_problem(market.client.post("/vendor/payouts/request", json={}, headers=headers), 422, "validation-failed")
    # The batch path: the vendor is skipped, with the reason.
    result = _batch(database)
    [materialization] = result.asset_materializations_for_node("commissions__payout_batch")
    items = materialization.metadata["items"].value
    assert isinstance(items, list)
    [item] = [i for i in items if i["vendor_id"] == vendor["id"]]
    assert (item["payout_id"], item["status"], item["reason"]) == (None, "skipped", "nothing available")

    # The order is canceled: the vendor's balance does not go below zero, nothing was ever paid.
    market.ok(market.client.post(f"/admin/orders/{order['id']}/cancel", headers=market.shop.admin))
    parts = _parts(market, headers)
    assert (parts["uncaptured"], parts["available"], parts["paid"], parts["in_payout"]) == (0, 0, 0, 0)
    finance = market.finance()
    assert market.ok(market.client.get("/admin/payouts", params={"vendor_id": vendor["id"]},
                                       headers=finance))["total"] == 0


def test_a_refund_after_approval_neither_aborts_the_batch_nor_pays_twice(market: Market, database: Database) -> None:
    refunded_vendor, refunded_headers, refunded_variant = market.seller(price=10_000)
    other_vendor, other_headers, other_variant = market.seller(price=20_000)
    first = market.buy([(refunded_variant, 1)])  # 12600 paid, earnings 11600
    second = market.buy([(other_variant, 1)])  # 24600 paid, commission 2000 -> earnings 22600
    run = market.settle(first["id"], second["id"])
    # The vendor takes part of its money out at once; then a refund arrives after the day was approved.
    requested = market.ok(market.client.post("/vendor/payouts/request", json={"amount": 6000},
                                             headers=refunded_headers), 201)
    market.ok(market.client.post(f"/admin/orders/{first['id']}/refunds", json={"amount": 6300},
                                 headers=market.shop.admin))
    # 6300 of 12600 back: the vendor keeps 11600 - 5800 = 5800, of which 6000 is already requested.
    parts = _parts(market, refunded_headers)
    assert (parts["captured_net"], parts["in_payout"], parts["available"]) == (5800, 6000, -200)

    _batch(database)
    finance = market.finance()
    [batch] = market.ok(market.client.get("/admin/payout-batches", headers=finance))["items"]
    assert batch["run_ids"] == [run["id"]]
    items = {i["vendor_id"]: i for i in batch["items"]}
    assert (items[refunded_vendor["id"]]["status"], items[refunded_vendor["id"]]["reason"]) == (
        "skipped", "refunds exceed what is available")
    assert (items[other_vendor["id"]]["status"], items[other_vendor["id"]]["amount"]) == ("payout", 22600)

    paid = market.ok(market.client.post(f"/admin/payout-batches/{batch['id']}/approve", headers=finance))
    assert paid["status"] == "paid" and [p["status"] for p in paid["payouts"]] == ["paid"]
    locked = market.ok(market.client.get(f"/admin/commissions/runs/{run['id']}", headers=finance))
    assert locked["status"] == "locked" and locked["payout_batch_id"] == batch["id"]
    # Built again: nothing new is approved, so no batch; and the other vendor has nothing left to take.
    _batch(database)
    assert market.ok(market.client.get("/admin/payout-batches", headers=finance))["total"] == 1
    assert _parts(market, other_headers)["available"] == 0
    assert_problem(market.client.post("/vendor/payouts/request", json={"amount": 5000}, headers=other_headers), 422,
                   "validation-failed")
    with database.transaction(Domain.commerce) as session:
        other = balances.balance(session, other_vendor["id"], "EUR")
        assert (other.paid, other.available, other.pending, other.captured_net) == (22600, 0, 0, 22600)
    # The payout requested before the refund can still be decided: finance rejects it, the money returns.
    market.ok(market.client.post(f"/admin/payouts/{requested['id']}/reject", headers=finance))
    assert _parts(market, refunded_headers)["available"] == 5800


def test_an_approved_run_is_reopened_with_a_reason_and_approved_again(market: Market, database: Database) -> None:
    _, headers, variant = market.seller(price=10_000)
    order = market.buy([(variant, 1)])
    run = market.settle(order["id"])
    finance = market.finance()
    assert _parts(market, headers)["available"] == 11600
    assert_problem(market.client.post(f"/admin/commissions/runs/{run['id']}/reopen", json={}, headers=finance),
                   422, "validation-failed")
    reopened = market.ok(market.client.post(f"/admin/commissions/runs/{run['id']}/reopen",
                                            json={"reason": "late cancellation reported"}, headers=finance))
    assert (reopened["status"], reopened["reopen_reason"]) == ("draft", "late cancellation reported")
    # Back to pending until the day is approved again.
    assert (_parts(market, headers)["available"], _parts(market, headers)["pending"]) == (0, 11600)
    again = market.run_day(date.fromisoformat(reopened["period_start"]))
    assert again["checks_passed"]
    market.ok(market.client.post(f"/admin/commissions/runs/{run['id']}/approve", headers=finance))
    assert _parts(market, headers)["available"] == 11600
    actions = [e["action"] for e in market.ok(market.client.get("/admin/audit-log", params={"limit": 200},
                                                                headers=market.shop.admin))["items"]]
    assert "commission_run.reopened" in actions


def test_a_failed_batch_transfer_returns_the_amount_to_the_balance(market: Market, database: Database) -> None:
    _, headers, variant = market.seller(price=10_000)
    market.ok(market.client.patch("/vendor/me", json={"stripe_account_id": "acct_x", "current_password": PASSWORD},
                                  headers=headers))
    market.settle(market.buy([(variant, 1)])["id"])
    _batch(database)
    finance = market.finance()
    [batch] = market.ok(market.client.get("/admin/payout-batches", headers=finance))["items"]
    assert _parts(market, headers)["in_payout"] == 11600
    with database.transaction(Domain.commerce) as session:
        paid = runs_service.approve_batch(session, RefusingProvider(), batch["id"], None)
    assert paid.status == "paid" and [p["status"] for p in paid.payouts] == ["failed"]
    parts = _parts(market, headers)
    assert (parts["available"], parts["in_payout"], parts["paid"]) == (11600, 0, 0)
