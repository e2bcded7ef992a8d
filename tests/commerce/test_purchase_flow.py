"""The customer purchase flow through HTTP, with totals checked to the cent at every step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.commerce.conftest import ADDRESS, Shop
from tests.conftest import assert_problem


def _stock(shop: Shop, variant_id: str) -> tuple[int, int]:
    level = shop.ok(shop.client.get(f"/admin/inventory/{variant_id}", headers=shop.admin))
    return level["stocked_quantity"], level["reserved_quantity"]


def test_browse_cart_checkout_fulfil_cancel_refund(
    shop: Shop, client: TestClient, customer_headers: Callable[[], dict[str, str]]
) -> None:
    eur = shop.regions["EUR"]
    vendor_a, vendor_b = shop.vendor("alpha"), shop.vendor("beta")
    product_a = shop.product(vendor_a["id"], title="Anvil", prices={"EUR": 1999, "USD": 2199})
    product_b = shop.product(vendor_b["id"], title="Bolt", prices={"EUR": 333, "USD": 399})
    variant_a, variant_b = product_a["variants"][0]["id"], product_b["variants"][0]["id"]
    shop.shipping_option(vendor_a["id"], {"EUR": 500, "USD": 800})
    shop.shipping_option(vendor_b["id"], {"EUR": 490, "USD": 700})
    buyer, stranger = customer_headers(), customer_headers()

    # Browse: both products, priced for the region.
    page = shop.ok(client.get("/store/products", params={"region_id": eur["id"], "sort": "price"}, headers=buyer))
    assert page["total"] == 2
    assert [p["handle"] for p in page["items"]] == [product_b["handle"], product_a["handle"]]
    assert page["items"][1]["variants"][0]["calculated_price"] == {"currency_code": "EUR", "amount": 1999}
    by_handle = shop.ok(client.get(f"/store/products/{product_a['handle']}", headers=buyer))
    assert by_handle["id"] == product_a["id"] and by_handle["vendor"]["slug"] == "alpha"

    # Cart with items from two vendors.
    cart = shop.cart("EUR", buyer, email=None)
    assert cart["customer_id"] is not None and cart["email"].startswith("customer-")
    cart_url = f"/store/carts/{cart['id']}"
    shop.ok(client.post(f"{cart_url}/line-items", json={"variant_id": variant_a, "quantity": 1}, headers=buyer))
    cart = shop.ok(client.post(f"{cart_url}/line-items", json={"variant_id": variant_a, "quantity": 1}, headers=buyer))
    cart = shop.ok(client.post(f"{cart_url}/line-items", json={"variant_id": variant_b, "quantity": 5}, headers=buyer))
    line_b = next(i for i in cart["items"] if i["variant_id"] == variant_b)
    cart = shop.ok(client.post(f"{cart_url}/line-items/{line_b['id']}", json={"quantity": 3}, headers=buyer))
    assert {(i["variant_id"], i["quantity"]) for i in cart["items"]} == {(variant_a, 2), (variant_b, 3)}
    assert (cart["subtotal"], cart["shipping_total"]) == (3998 + 999, 0)
    assert cart["tax_total"] == 999  # 20% of 4997 = 999.4
    assert cart["total"] == 4997 + 999

    # Another customer cannot see this cart; an anonymous store client cannot either.
    assert_problem(client.get(cart_url, headers=stranger), 404, "not-found")
    assert_problem(client.get(cart_url, headers=shop.store), 404, "not-found")

    cart = shop.ok(client.post(cart_url, json={"shipping_address": ADDRESS}, headers=buyer))
    options = shop.ok(client.get("/store/shipping-options", params={"cart_id": cart["id"]}, headers=buyer))
    assert sorted(o["amount"] for o in options) == [490, 500]
    for option in options:
        cart = shop.ok(client.post(f"{cart_url}/shipping-methods", json={"option_id": option["id"]}, headers=buyer))
    # Taxable: A 3998 + 500 = 4498, B 999 + 490 = 1489; tax 20% of 5987 = 1197.4 -> 1197, split 899 / 298.
    vendors = {v["vendor_id"]: v for v in cart["vendors"]}
    assert (vendors[vendor_a["id"]]["tax_total"], vendors[vendor_b["id"]]["tax_total"]) == (899, 298)
    assert vendors[vendor_a["id"]]["total"] == 3998 + 500 + 899 == 5397
    assert vendors[vendor_b["id"]]["total"] == 999 + 490 + 298 == 1787
    assert (cart["subtotal"], cart["shipping_total"], cart["tax_total"], cart["total"]) == (4997, 990, 1197, 7184)

    # Checkout: one order, two vendor orders, stock reserved, payment authorised; completing twice is idempotent.
    order = shop.ok(client.post(f"{cart_url}/complete", headers=buyer))
    assert order == shop.ok(client.post(f"{cart_url}/complete", headers=buyer))
    assert (order["status"], order["payment_status"], order["fulfillment_status"]) == (
        "pending", "authorized", "not_fulfilled")
    assert (order["subtotal"], order["shipping_total"], order["tax_total"], order["total"]) == (4997, 990, 1197, 7184)
    assert order["payment"]["amount"] == 7184 and order["payment"]["provider"] == "manual"
    parts = {vo["vendor_id"]: vo for vo in order["vendor_orders"]}
    assert len(parts) == 2 and sum(vo["total"] for vo in parts.values()) == order["total"]
    part_a, part_b = parts[vendor_a["id"]], parts[vendor_b["id"]]
    amounts = ("subtotal", "shipping_total", "tax_total", "total")
    assert tuple(part_a[k] for k in amounts) == (3998, 500, 899, 5397)
    assert tuple(part_b[k] for k in amounts) == (999, 490, 298, 1787)
    assert _stock(shop, variant_a) == (10, 2) and _stock(shop, variant_b) == (10, 3)
    assert shop.ok(client.get(cart_url, headers=buyer))["status"] == "completed"
    assert_problem(client.post(f"{cart_url}/line-items", json={"variant_id": variant_a, "quantity": 1},
                               headers=buyer), 409, "conflict")

    # Capture (manual provider: by an admin), then fulfil A and cancel B.
    order_url = f"/admin/orders/{order['id']}"
    order = shop.ok(client.post(f"{order_url}/capture", headers=shop.admin))
    assert order["payment_status"] == "captured" and order["payment"]["captured_amount"] == 7184
    assert_problem(client.post(f"{order_url}/capture", headers=shop.admin), 409, "invalid-state-transition")

    order = shop.ok(client.post(f"{order_url}/vendor-orders/{part_a['id']}/fulfill",
                                json={"carrier": "DHL", "tracking_number": "JD0001"}, headers=shop.admin))
    assert order["fulfillment_status"] == "partially_fulfilled" and order["status"] == "pending"
    assert _stock(shop, variant_a) == (8, 0)
    assert_problem(client.post(f"{order_url}/vendor-orders/{part_a['id']}/cancel", headers=shop.admin),
                   409, "invalid-state-transition")

    order = shop.ok(client.post(f"{order_url}/vendor-orders/{part_b['id']}/cancel", headers=shop.admin))
    assert _stock(shop, variant_b) == (10, 0)
    parts = {vo["vendor_id"]: vo for vo in order["vendor_orders"]}
    assert parts[vendor_b["id"]]["status"] == "canceled" and parts[vendor_b["id"]]["refunded_total"] == 1787
    assert (order["status"], order["fulfillment_status"], order["payment_status"]) == (
        "completed", "fulfilled", "partially_refunded")
    assert order["payment"]["refunded_amount"] == 1787

    # Refunds never exceed what was captured and not yet refunded (5397 left, all on A).
    assert_problem(client.post(f"{order_url}/refunds", json={"amount": 5398}, headers=shop.admin),
                   422, "validation-failed")
    assert_problem(client.post(f"{order_url}/refunds", json={"amount": 1, "vendor_order_id": part_b["id"]},
                               headers=shop.admin), 422, "validation-failed")
    order = shop.ok(client.post(f"{order_url}/refunds", json={"amount": 1000, "reason": "dent"}, headers=shop.admin))
    assert order["refunds"][-1]["allocations"] == {part_a["id"]: 1000}
    assert order["payment"]["refunded_amount"] == 2787 and order["payment_status"] == "partially_refunded"
    order = shop.ok(client.post(f"{order_url}/refunds", json={"amount": 4397, "vendor_order_id": part_a["id"]},
                                headers=shop.admin))
    assert order["payment_status"] == "refunded" and order["payment"]["refunded_amount"] == 7184
    assert sum(vo["refunded_total"] for vo in order["vendor_orders"]) == 7184
    assert_problem(client.post(f"{order_url}/refunds", json={"amount": 1}, headers=shop.admin), 409,
                   "invalid-state-transition")

    # The customer sees its order; another customer does not.
    mine = shop.ok(client.get("/store/orders", headers=buyer))
    assert mine["total"] == 1 and mine["items"][0]["id"] == order["id"]
    assert shop.ok(client.get(f"/store/orders/{order['id']}", headers=buyer))["total"] == 7184
    assert shop.ok(client.get("/store/orders", headers=stranger))["total"] == 0
    assert_problem(client.get(f"/store/orders/{order['id']}", headers=stranger), 404, "not-found")

    # Every change left an event with the whole order and an increasing version.
    events = [e for e in shop.outbox() if e["entity_id"] == order["id"]]
    assert [e["topic"] for e in events] == [
        "order.placed", "order.updated", "order.fulfilled", "order.updated", "order.refunded", "order.refunded"]
    assert [e["payload"]["version"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[-1]["payload"]["payment_status"] == "refunded"
    assert {e["entity_id"] for e in shop.outbox("inventory.updated")} == {variant_a, variant_b}


def test_canceling_an_unshipped_order_voids_the_payment_and_releases_stock(shop: Shop, client: TestClient) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    product = shop.product(vendor["id"], stock=5)
    variant = product["variants"][0]["id"]
    cart = shop.ready_cart([(variant, 2)])
    order = shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    assert _stock(shop, variant) == (5, 2)

    order = shop.ok(client.post(f"/admin/orders/{order['id']}/cancel", headers=shop.admin))
    assert (order["status"], order["payment_status"], order["fulfillment_status"]) == (
        "canceled", "canceled", "canceled")
    assert _stock(shop, variant) == (5, 0)
    assert_problem(client.post(f"/admin/orders/{order['id']}/cancel", headers=shop.admin), 409,
                   "invalid-state-transition")
    assert_problem(client.post(f"/admin/orders/{order['id']}/capture", headers=shop.admin), 409,
                   "invalid-state-transition")
    assert [e["topic"] for e in shop.outbox() if e["entity_id"] == order["id"]] == ["order.placed", "order.canceled"]


def test_a_canceled_part_is_not_captured(shop: Shop, client: TestClient) -> None:
    vendors = [shop.vendor(), shop.vendor()]
    variants = []
    for vendor in vendors:
        shop.shipping_option(vendor["id"], {"EUR": 0})
        variants.append(shop.product(vendor["id"], prices={"EUR": 1000})["variants"][0]["id"])
    cart = shop.ready_cart([(variants[0], 1), (variants[1], 1)])
    order = shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    first = next(vo for vo in order["vendor_orders"] if vo["vendor_id"] == vendors[0]["id"])
    order = shop.ok(client.post(f"/admin/orders/{order['id']}/vendor-orders/{first['id']}/cancel", headers=shop.admin))
    assert order["payment_status"] == "authorized" and order["status"] == "pending"
    order = shop.ok(client.post(f"/admin/orders/{order['id']}/capture", headers=shop.admin))
    assert order["payment"]["captured_amount"] == 1200 and order["payment"]["amount"] == 2400


def test_admin_order_listing(shop: Shop, client: TestClient) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    variant = shop.product(vendor["id"])["variants"][0]["id"]
    orders: list[Any] = []
    for _ in range(3):
        cart = shop.ready_cart([(variant, 1)])
        orders.append(shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store)))
    listed = shop.ok(client.get("/admin/orders", params={"limit": 2, "vendor_id": vendor["id"]}, headers=shop.admin))
    assert listed["total"] == 3 and len(listed["items"]) == 2
    assert len({o["display_id"] for o in orders}) == 3
    assert shop.ok(client.get(f"/admin/orders/{orders[0]['id']}", headers=shop.admin))["id"] == orders[0]["id"]
    assert_problem(client.get("/admin/orders", headers=shop.store), 403, "forbidden")
