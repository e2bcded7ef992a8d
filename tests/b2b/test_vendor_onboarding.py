"""The plan's vendor onboarding flow through HTTP: register -> approve -> add product -> sell -> commission ->
payout request -> approval -> paid, with the events the content side builds tenants from."""

from __future__ import annotations

from typing import Any

from tests.b2b.conftest import Market
from tests.conftest import PASSWORD, assert_problem

REGISTRATION = {"name": "Forge Works", "slug": "forge-works", "email": "owner@forge.example.com",
                "password": "correct-horse-battery", "full_name": "Fay Forge", "default_currency": "EUR"}


def _product_body(title: str, price: int, stock: int = 20) -> dict[str, Any]:
    return {"title": title, "handle": title.lower().replace(" ", "-"), "status": "published",
            "options": [{"title": "Size", "values": ["M"]}],
            "variants": [{"title": f"{title} M", "sku": title.upper().replace(" ", "-"), "options": {"Size": "M"},
                          "prices": [{"currency_code": "EUR", "amount": price}], "stocked_quantity": stock}]}


def test_register_approve_sell_commission_payout(market: Market) -> None:
    client, shop = market.client, market.shop
    shop.ok(client.post("/admin/commission-rules", json={"name": "Platform default", "scope": "platform",
                                                         "rate": "0.1000"}, headers=shop.admin), 201)

    # Register (the storefront's publishable key is needed, as for customer sign-up).
    assert_problem(client.post("/store/vendors/register", json=REGISTRATION), 401, "unauthorized")
    assert_problem(client.post("/store/vendors/register", json={**REGISTRATION, "role": "admin"},
                               headers=shop.store), 422, "validation-failed")
    registered = shop.ok(client.post("/store/vendors/register", json=REGISTRATION, headers=shop.store), 201)
    vendor = registered["vendor"]
    assert (vendor["status"], vendor["commission_rate"], vendor["version"]) == ("pending", "0.1000", 1)
    assert_problem(client.post("/store/vendors/register", json=REGISTRATION, headers=shop.store), 409, "conflict")

    # The vendor user logs in at once and works on its catalogue while pending.
    me = market.login({"email": REGISTRATION["email"], "password": REGISTRATION["password"]})
    assert shop.ok(client.get("/vendor/me", headers=me))["status"] == "pending"
    product = shop.ok(client.post("/vendor/products", json=_product_body("Anvil", 2500), headers=me), 201)
    assert product["vendor_id"] == vendor["id"]
    variant_id = product["variants"][0]["id"]
    assert shop.ok(client.get("/store/products", headers=shop.store))["total"] == 0  # not approved: not sold

    # Admin review: approve (with an event for the content side carrying the whole vendor and its version).
    listed = shop.ok(client.get("/admin/vendors", params={"status": "pending"}, headers=shop.admin))
    assert [v["id"] for v in listed["items"]] == [vendor["id"]]
    approved = shop.ok(client.post(f"/admin/vendors/{vendor['id']}/approve", headers=shop.admin))
    assert (approved["status"], approved["version"]) == ("approved", 2)
    assert_problem(client.post(f"/admin/vendors/{vendor['id']}/reject", headers=shop.admin), 409,
                   "invalid-state-transition")
    events = [(e["topic"], e["payload"]["version"], e["payload"]["status"])
              for e in shop.outbox() if e["entity_id"] == vendor["id"]]
    assert events == [("vendor.created", 1, "pending"), ("vendor.approved", 2, "approved")]
    assert shop.outbox("vendor.approved")[0]["payload"]["slug"] == "forge-works"

    # Sell: 4 x 2500 + shipping 500, tax 20% -> 12600.
    shop.shipping_option(vendor["id"], {"EUR": 500})
    order = market.buy([(variant_id, 4)], market.customer_headers())
    assert order["total"] == 12600
    market.capture(order["id"])
    vendor_order = order["vendor_orders"][0]
    seen = shop.ok(client.get(f"/vendor/orders/{vendor_order['id']}", headers=me))
    assert (seen["order_id"], seen["total"], seen["shipping_address"]["city"]) == (order["id"], 12600, "Berlin")
    assert_problem(client.post(f"/vendor/orders/{vendor_order['id']}/fulfill", json={"carrier": "DHL"}, headers=me),
                   422, "validation-failed")
    shipped = shop.ok(client.post(f"/vendor/orders/{vendor_order['id']}/fulfill",
                                  json={"carrier": "DHL", "tracking_number": "TRK1"}, headers=me))
    assert (shipped["status"], shipped["tracking_number"]) == ("fulfilled", "TRK1")
    assert_problem(client.post(f"/vendor/orders/{vendor_order['id']}/fulfill",
                               json={"carrier": "DHL", "tracking_number": "TRK1"}, headers=me),
                   409, "invalid-state-transition")

    # Commission: 10% of the goods (10000) = 1000; the vendor keeps the rest of what was paid.
    lines = shop.ok(client.get("/vendor/commissions", headers=me))["items"]
    assert [(x["type"], x["gross_amount"], x["base_amount"], x["commission_amount"], x["vendor_amount"])
            for x in lines] == [("sale", 12600, 10000, 1000, 11600)]
    # A partial refund of 1260 reverses its share: commission 1000 * 11340 / 12600 = 900 left.
    shop.ok(client.post(f"/admin/orders/{order['id']}/refunds", json={"amount": 1260}, headers=shop.admin))
    refund_line = market.lines(order_id=order["id"], type="refund")
    assert [(x["gross_amount"], x["base_amount"], x["commission_amount"], x["vendor_amount"])
            for x in refund_line] == [(-1260, -1000, -100, -1160)]
    # Captured, but its day is not over: pending until finance approves the day's commission run.
    balance = shop.ok(client.get("/vendor/payouts/balance", headers=me))
    assert (balance["pending"], balance["available"], balance["minimum_payout"]) == (10440, 0, 5000)
    assert_problem(client.post("/vendor/payouts/request", json={"amount": 5000}, headers=me), 422,
                   "validation-failed")
    market.settle(order["id"], capture=False)
    balance = shop.ok(client.get("/vendor/payouts/balance", headers=me))
    assert (balance["pending"], balance["available"], balance["captured_net"]) == (0, 10440, 10440)

    # Payout requests: at least the minimum, at most the balance; each holds its amount.
    request = "/vendor/payouts/request"
    assert_problem(client.post(request, json={"amount": 4999}, headers=me), 422, "validation-failed")
    assert_problem(client.post(request, json={"amount": 10441}, headers=me), 422, "validation-failed")
    assert_problem(client.post(request, json={"amount": -5}, headers=me), 422, "validation-failed")
    first = shop.ok(client.post(request, json={"amount": 5000}, headers=me), 201)
    second = shop.ok(client.post(request, json={"amount": 5000, "note": "rest"}, headers=me), 201)
    assert_problem(client.post(request, json={}, headers=me), 422, "validation-failed")  # 440 left < minimum
    assert shop.ok(client.get("/vendor/payouts/balance", headers=me))["available"] == 440

    finance = market.finance()
    assert_problem(client.post(f"/admin/payouts/{first['id']}/approve", headers=me), 403, "forbidden")
    paid = shop.ok(client.post(f"/admin/payouts/{first['id']}/approve", headers=finance))
    assert (paid["status"], paid["provider"], paid["provider_reference"]) == ("paid", "manual", f"manual_{first['id']}")
    assert_problem(client.post(f"/admin/payouts/{first['id']}/approve", headers=finance), 409,
                   "invalid-state-transition")
    assert_problem(client.post(f"/admin/payouts/{first['id']}/reject", headers=finance), 409,
                   "invalid-state-transition")
    rejected = shop.ok(client.post(f"/admin/payouts/{second['id']}/reject", json={"note": "bank details"},
                                   headers=finance))
    assert rejected["status"] == "rejected"
    parts = shop.ok(client.get("/vendor/payouts/balance", headers=me))
    assert (parts["available"], parts["paid"], parts["in_payout"]) == (5440, 5000, 0)  # rejected: back
    statuses = {p["id"]: p["status"] for p in shop.ok(client.get("/vendor/payouts", headers=me))["items"]}
    assert statuses == {first["id"]: "paid", second["id"]: "rejected"}
    assert shop.ok(client.get("/admin/payouts", params={"status": "paid"}, headers=finance))["total"] == 1
    actions = [e["action"] for e in shop.ok(client.get("/admin/audit-log", params={"limit": 200},
                                                       headers=shop.admin))["items"]]
    assert {"vendor.registered", "vendor.approve", "product.created", "vendor_order.fulfilled", "payout.requested",
            "payout.approved", "payout.rejected"} <= set(actions)


def test_suspended_vendor_is_refused_at_checkout_and_events_follow_every_transition(market: Market) -> None:
    client, shop = market.client, market.shop
    vendor, headers, variant_id = market.seller()
    cart = shop.ready_cart([(variant_id, 1)])
    url = f"/admin/vendors/{vendor['id']}"
    shop.ok(client.post(f"{url}/suspend", headers=shop.admin))
    problem = assert_problem(client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store), 422,
                             "validation-failed")
    assert any("may not sell" in e["message"] for e in problem["errors"])
    assert shop.ok(client.get("/vendor/me", headers=headers))["status"] == "suspended"
    shop.ok(client.post(f"{url}/approve", headers=shop.admin))
    shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    updated = shop.ok(client.patch("/vendor/me", json={"name": "Renamed", "stripe_account_id": "acct_123",
                                                        "current_password": PASSWORD}, headers=headers))
    assert (updated["name"], updated["stripe_account_id"]) == ("Renamed", "acct_123")
    assert_problem(client.patch("/vendor/me", json={"commission_rate": "0"}, headers=headers), 422,
                   "validation-failed")
    pending = market.shop.vendor("to-reject", approve=False)
    shop.ok(client.post(f"/admin/vendors/{pending['id']}/reject", headers=shop.admin))
    topics = [(e["topic"], e["payload"]["version"]) for e in shop.outbox() if e["entity_id"] in
              (vendor["id"], pending["id"])]
    assert topics == [("vendor.created", 1), ("vendor.approved", 2), ("vendor.suspended", 3),
                      ("vendor.approved", 4), ("vendor.updated", 5), ("payout_account.changed", 5),
                      ("vendor.created", 1), ("vendor.rejected", 2)]
