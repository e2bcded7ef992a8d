"""The B2B flow through HTTP: company register -> approve -> buyer over limit -> approver approves -> order at the
volume-tier price; credit, employees and the company state machine."""

from __future__ import annotations

from tests.b2b.conftest import COMPANY_ADDRESS, Market, company, employee
from tests.conftest import assert_problem


def test_company_buyer_over_limit_waits_for_an_approver(market: Market) -> None:
    client, shop = market.client, market.shop
    vendor, vendor_headers, variant = market.seller(price=1000)
    shop.ok(client.post("/vendor/volume-pricing", json={"variant_id": variant, "currency_code": "EUR",
                                                        "min_quantity": 10, "unit_price": 800}, headers=vendor_headers),
            201)

    # Register: pending until the platform approves; the registering customer is the company's admin.
    founder = market.customer_headers()
    body = {"name": "Acme GmbH", "tax_id": "DE999", "billing_address": COMPANY_ADDRESS, "currency_code": "EUR"}
    registered = shop.ok(client.post("/store/company/register", json=body, headers=founder), 201)
    assert registered["status"] == "pending_approval"
    assert_problem(client.post("/store/company/register", json=body, headers=founder), 409, "conflict")
    assert_problem(client.post("/store/company/register", json={**body, "tax_id": ""},
                               headers=market.customer_headers()), 422, "validation-failed")
    me = shop.ok(client.get("/store/company/me", headers=founder))
    assert (me["my_role"], me["credit_limit"], me["credit_available"]) == ("admin", 0, 0)
    url = f"/admin/companies/{registered['id']}"
    assert [c["id"] for c in shop.ok(client.get("/admin/companies", params={"status": "pending_approval"},
                                                headers=shop.admin))["items"]] == [registered["id"]]
    assert_problem(client.post(f"{url}/suspend", headers=shop.admin), 409, "invalid-state-transition")
    shop.ok(client.post(f"{url}/approve", headers=shop.admin))
    shop.ok(client.patch(url, json={"credit_limit": 100_000}, headers=shop.admin))

    # Employees: a buyer with a 5000 limit and an approver.
    buyer, buyer_headers = employee(market, founder, "buyer", 5000)
    _, approver_headers = employee(market, founder, "approver")
    assert_problem(client.get("/store/company/users", headers=buyer_headers), 403, "forbidden")
    assert_problem(client.post("/store/company/users", json={"email": "x@example.com", "password": "0123456789",
                                                             "role": "owner"}, headers=founder), 422,
                   "validation-failed")
    assert {u["role"] for u in shop.ok(client.get("/store/company/users", headers=founder))} == {
        "admin", "buyer", "approver"}

    # 10 units at the tier price 800 = 8000 + shipping 500, tax 20% -> 10200: over the buyer's 5000.
    cart = shop.ready_cart([(variant, 10)], headers=buyer_headers)
    assert cart["items"][0]["unit_price"] == 800 and cart["total"] == 10200
    pending = shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=buyer_headers), 202)
    assert (pending["status"], pending["amount"], pending["requested_by"]) == ("pending", 10200, buyer["user_id"])
    assert "spending limit" in pending["reasons"][0]
    assert shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=buyer_headers), 202)["id"] == \
        pending["id"]
    approval_url = f"/store/company/approvals/{pending['id']}"
    assert_problem(client.post(f"{approval_url}/approve", headers=buyer_headers), 403, "forbidden")
    assert shop.ok(client.get("/store/company/approvals", headers=approver_headers))["total"] == 1

    decided = shop.ok(client.post(f"{approval_url}/approve", json={"note": "ok"}, headers=approver_headers))
    assert decided["status"] == "approved" and decided["order_id"]
    assert_problem(client.post(f"{approval_url}/reject", headers=approver_headers), 409, "invalid-state-transition")
    orders = shop.ok(client.get("/store/company/orders", headers=founder))["items"]
    assert [o["id"] for o in orders] == [decided["order_id"]]
    order = orders[0]
    assert (order["company_id"], order["total"], order["vendor_orders"][0]["items"][0]["unit_price"]) == (
        registered["id"], 10200, 800)
    # The buyer's own completion now returns the placed order.
    assert shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=buyer_headers))["id"] == order["id"]
    me = shop.ok(client.get("/store/company/me", headers=founder))
    assert (me["credit_used"], me["credit_available"]) == (10200, 89800)

    # Within the limit and the credit: placed at once. Over the remaining credit: approval, then rejection.
    small = market.buy([(variant, 1)], buyer_headers)
    assert small["company_id"] == registered["id"]
    shop.ok(client.patch(url, json={"credit_limit": 15_000}, headers=shop.admin))
    over_credit = shop.ready_cart([(variant, 3)], headers=approver_headers)  # 4200 > 15000 - 12000
    request = shop.ok(client.post(f"/store/carts/{over_credit['id']}/complete", headers=approver_headers), 202)
    assert "remaining credit" in request["reasons"][0]
    rejected = shop.ok(client.post(f"/store/company/approvals/{request['id']}/reject", headers=founder))
    assert rejected["status"] == "rejected" and rejected["order_id"] is None
    market.capture(order["id"])  # paid: the credit is free again
    assert shop.ok(client.post(f"/store/carts/{over_credit['id']}/complete", headers=approver_headers))["status"] \
        == "pending"

    # Employees: limits change, the last admin stays.
    [founder_row] = [u for u in shop.ok(client.get("/store/company/users", headers=founder)) if u["role"] == "admin"]
    assert_problem(client.patch(f"/store/company/users/{founder_row['user_id']}", json={"role": "buyer"},
                                headers=founder), 409, "conflict")
    assert_problem(client.delete(f"/store/company/users/{founder_row['user_id']}", headers=founder), 409, "conflict")
    changed = shop.ok(client.patch(f"/store/company/users/{buyer['user_id']}", json={"spending_limit": None},
                                   headers=founder))
    assert changed["spending_limit"] is None
    assert client.delete(f"/store/company/users/{buyer['user_id']}", headers=founder).status_code == 204
    assert_problem(client.get("/store/company/me", headers=buyer_headers), 404, "not-found")

    # Suspended: employees buy as plain customers again; admin transitions are checked.
    shop.ok(client.post(f"{url}/suspend", headers=shop.admin))
    assert market.buy([(variant, 1)], approver_headers)["company_id"] is None
    assert_problem(client.post(f"{url}/reject", headers=shop.admin), 409, "invalid-state-transition")
    assert vendor["status"] == "approved"


def test_a_cart_changed_after_the_request_cannot_be_approved(market: Market) -> None:
    client, shop = market.client, market.shop
    _, _, variant = market.seller(price=1000)
    _, admin_headers = company(market)
    _, buyer_headers = employee(market, admin_headers, "buyer", spending_limit=100)
    cart = shop.ready_cart([(variant, 1)], headers=buyer_headers)
    pending = shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=buyer_headers), 202)
    shop.ok(client.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": variant, "quantity": 1},
                        headers=buyer_headers))
    assert_problem(client.post(f"/store/company/approvals/{pending['id']}/approve", headers=admin_headers), 409,
                   "conflict")
    assert shop.ok(client.get(f"/store/company/approvals/{pending['id']}", headers=admin_headers))["status"] == \
        "pending"
