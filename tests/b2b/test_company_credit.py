"""Credit that holds: a company order over the credit limit the platform set waits for the platform, never for
the company's own approver, and every approval re-checks the credit under the company row lock - also when a
checkout of the same company runs at the same moment (two interleaved transactions)."""

from __future__ import annotations

import threading
from typing import Any

from api.auth import service as auth_service
from api.auth.models import User
from api.carts import service as carts
from api.companies.models import CompanyApproval
from api.db import Database, Domain
from api.orders.schemas import OrderOut
from connectors.payments import ManualProvider
from tests.b2b.conftest import Market, company, employee
from tests.conftest import assert_problem


def _me(market: Market, headers: dict[str, str]) -> Any:
    return market.ok(market.client.get("/store/company/me", headers=headers))


def test_over_the_credit_limit_only_the_platform_approves(market: Market) -> None:
    client = market.client
    _, _, variant = market.seller(price=10_000)  # 12600 a piece, shipping and tax included
    created, founder = company(market, credit_limit=20_000)
    _, approver = employee(market, founder, "approver")
    _, buyer = employee(market, founder, "buyer")
    cart = market.shop.ready_cart([(variant, 2)], headers=buyer)  # 24600 > 20000
    request = market.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=buyer), 202)
    assert request["needs_platform"] and "credit" in request["reasons"][0]
    # Neither the company's approver nor its admin can approve it.
    for headers in (approver, founder):
        assert_problem(client.post(f"/store/company/approvals/{request['id']}/approve", headers=headers), 409,
                       "conflict")
    assert _me(market, founder)["credit_used"] == 0
    # The platform sees it waiting, and finance approves: the order is placed.
    finance = market.finance()
    waiting = market.ok(client.get("/admin/company-approvals", params={"needs_platform": True, "status": "pending"},
                                   headers=finance))
    assert [a["id"] for a in waiting["items"]] == [request["id"]]
    assert_problem(client.post(f"/admin/company-approvals/{request['id']}/approve", headers=founder), 403,
                   "forbidden")
    approved = market.ok(client.post(f"/admin/company-approvals/{request['id']}/approve", headers=finance))
    assert approved["status"] == "approved" and approved["order_id"]
    assert _me(market, founder)["credit_used"] == 24600
    assert created["id"] == _me(market, founder)["id"]


def test_an_approval_rechecks_credit_under_the_company_lock_against_a_concurrent_checkout(
    market: Market, database: Database
) -> None:
    client = market.client
    _, _, variant = market.seller(price=10_000)
    _, founder = company(market, credit_limit=30_000)
    approver, approver_headers = employee(market, founder, "approver")
    _, small_buyer = employee(market, founder, "buyer", spending_limit=1000)
    other, other_headers = employee(market, founder, "buyer")
    # Within the credit but over the buyer's spending limit: the company's approver decides.
    first_cart = market.shop.ready_cart([(variant, 1)], headers=small_buyer)  # 12600
    request = market.ok(client.post(f"/store/carts/{first_cart['id']}/complete", headers=small_buyer), 202)
    assert not request["needs_platform"]
    # Another buyer's cart of 12600, ready to complete.
    second_cart = market.shop.ready_cart([(variant, 1)], headers=other_headers)
    outcome: list[Any] = []

    def actor_of(user_id: str) -> Any:
        with database.transaction(Domain.commerce) as session:
            user = session.get(User, user_id)
            assert user is not None
            return auth_service.actor_for_user(user)

    approver_actor, other_actor = actor_of(approver["user_id"]), actor_of(other["user_id"])

    def concurrent_checkout() -> None:
        with database.transaction(Domain.commerce) as session:
            placed = carts.complete(session, ManualProvider(), second_cart["id"], other_actor, None)
            outcome.append((type(placed).__name__, getattr(placed, "needs_platform", None), placed.id))

    # Transaction 1: the approver approves (company row locked, credit re-checked, order placed) ...
    with database.transaction(Domain.commerce) as session:
        carts.complete_approved(session, ManualProvider(), approver_actor, request["id"], None)
        # ... while transaction 2, the other buyer's checkout, starts and must wait for the company row lock.
        thread = threading.Thread(target=concurrent_checkout)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the checkout must wait for the company row lock"
    thread.join(timeout=20)
    # After T1 committed, T2 saw 12600 of the 30000 used: 12600 more still fits, and was placed.
    [(kind, _, _)] = outcome
    assert kind == OrderOut.__name__
    # A third order no longer fits (25200 used): it waits for the platform, and the approver cannot approve it.
    third_cart = market.shop.ready_cart([(variant, 1)], headers=other_headers)
    third = market.ok(client.post(f"/store/carts/{third_cart['id']}/complete", headers=other_headers), 202)
    assert third["needs_platform"]
    assert _me(market, founder)["credit_used"] == 25200
    assert_problem(client.post(f"/store/company/approvals/{third['id']}/approve", headers=approver_headers), 409,
                   "conflict")
    with database.transaction(Domain.commerce) as session:
        waiting = session.get(CompanyApproval, third["id"])
        assert waiting is not None and (waiting.status, waiting.order_id) == ("pending", None)
