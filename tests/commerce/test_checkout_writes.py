"""What one checkout writes, now that its writes are batched: the stock events then the order's event (in the
order's statement, in that order, with the values the rows hold), one order number per checkout, every line priced
with the right commission terms from one lookup, and a sold-out line that leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from starlette.concurrency import run_in_threadpool

from api.carts.models import Cart
from api.db import Domain
from api.orders.models import Order
from tests.commerce.conftest import Shop
from tests.commerce.test_statement_counts import CHECKOUT_ONE_LINE, counted
from tests.conftest import assert_problem, commerce_statements

LONG_AGO = "2020-01-01T00:00:00Z"


def _rule(shop: Shop, **body: Any) -> Any:
    return shop.ok(shop.client.post("/admin/commission-rules", json={"valid_from": LONG_AGO, **body},
                                    headers=shop.admin), 201)


def _platform_rule(shop: Shop) -> Any:
    rules = shop.ok(shop.client.get("/admin/commission-rules", params={"scope": "platform"}, headers=shop.admin))
    in_force = [r for r in rules["items"] if r["valid_to"] is None]
    if in_force:
        return in_force[0]
    return _rule(shop, name="Platform", scope="platform", rate="0.0500",
                 fixed_fees=[{"currency_code": "EUR", "amount": 10}])


def _lines_by_id(order: dict[str, Any]) -> dict[str, Any]:
    parts = [{**vo, "items": sorted(vo["items"], key=lambda i: i["id"])} for vo in order["vendor_orders"]]
    return {**order, "vendor_orders": parts}


def test_a_checkout_records_its_stock_events_then_its_order_event_as_the_rows_stand(shop: Shop) -> None:
    vendors = [shop.vendor(), shop.vendor()]
    for vendor in vendors:
        shop.shipping_option(vendor["id"])
    variants = [shop.product(v["id"], variants=2)["variants"] for v in vendors]
    lines = [(variants[0][0]["id"], 2), (variants[0][1]["id"], 1), (variants[1][0]["id"], 3)]
    cart = shop.ready_cart(lines)
    before = len(shop.outbox())

    order = shop.ok(shop.client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))

    events = shop.outbox()[before:]
    stock_events, order_event = events[:-1], events[-1]
    assert [e["topic"] for e in stock_events] == ["inventory.updated"] * 3
    assert [e["entity_id"] for e in stock_events] == sorted(variant_id for variant_id, _ in lines)
    for event in stock_events:  # each carries the level as it now stands
        level = shop.ok(shop.client.get(f"/admin/inventory/{event['entity_id']}", headers=shop.admin))
        assert event["payload"] == level
        assert (level["stocked_quantity"], level["reserved_quantity"]) == (10, dict(lines)[event["entity_id"]])
    assert (order_event["topic"], order_event["entity_id"]) == ("order.placed", order["id"])
    # The event and the answer agree to the field, and with the stored order (server-made updated_at and
    # display_id too; a stored order lists a vendor order's lines by id, the placed one in the cart's order).
    stored = shop.ok(shop.client.get(f"/admin/orders/{order['id']}", headers=shop.admin))
    assert order_event["payload"] == order
    assert _lines_by_id(order) == _lines_by_id(stored)
    assert (order["version"], order["payment_status"], order["refunds"]) == (1, "authorized", [])
    assert order["payment"]["amount"] == order["total"]


def test_every_line_gets_its_own_terms_from_one_lookup(shop: Shop) -> None:
    platform = _platform_rule(shop)
    ruled, plain = shop.vendor(), shop.vendor()
    for vendor in (ruled, plain):
        shop.shipping_option(vendor["id"])
    vendor_rule = _rule(shop, name="Ruled 20%", scope="vendor", vendor_id=ruled["id"], rate="0.2000")
    low = _rule(shop, name="A", scope="category", category_id="cat_terms_a", rate="0.1500", priority=1)
    high = _rule(shop, name="B", scope="category", category_id="cat_terms_b", rate="0.1200", priority=5)
    tied = [_rule(shop, name=f"Tie {c}", scope="category", category_id=f"cat_terms_{c}", rate=rate, priority=3)
            for c, rate in (("c", "0.0300"), ("d", "0.0400"))]
    first_tied = min(tied, key=lambda r: r["id"])  # same priority: the lowest rule id wins

    def variant(vendor: dict[str, Any], *categories: str) -> str:
        product = shop.product(vendor["id"], prices={"EUR": 1000}, category_ids=categories)
        return str(product["variants"][0]["id"])

    expected = {  # variant -> the rule that must price its line
        variant(ruled, "cat_terms_a", "cat_terms_b"): high,  # the higher priority of two categories
        variant(ruled): vendor_rule,  # no category: the vendor's rule
        variant(ruled, "cat_terms_none"): vendor_rule,  # a category without a rule: the vendor's rule
        variant(plain, "cat_terms_a"): low,  # a category rule beats the platform default
        variant(plain): platform,  # nothing else: the platform default
        variant(plain, "cat_terms_c", "cat_terms_d"): first_tied,
    }
    cart = shop.ready_cart([(v, 1) for v in expected])
    with counted(shop.database) as seen:
        order = shop.ok(shop.client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    assert len(seen) <= CHECKOUT_ONE_LINE, seen

    sale_lines = shop.ok(shop.client.get("/admin/commissions", params={"order_id": order["id"], "limit": 100},
                                         headers=shop.admin))["items"]
    variant_of = {item["id"]: item["variant_id"] for vo in order["vendor_orders"] for item in vo["items"]}
    assert len(sale_lines) == len(expected)
    for line in sale_lines:
        rule = expected[variant_of[line["order_line_item_id"]]]
        fee = rule["fixed_fees"].get("EUR", 0)
        assert (line["rule_id"], line["rate"], line["fixed_fee"]) == (rule["id"], rule["rate"], fee), line
        assert line["base_amount"] == 1000
        assert line["commission_amount"] == min(1000, int(1000 * Decimal(rule["rate"])) + fee)  # exact here


def test_a_line_sold_out_since_it_was_added_fails_the_checkout_and_leaves_nothing(shop: Shop) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    plenty = shop.product(vendor["id"], stock=100)["variants"][0]["id"]
    scarce = shop.product(vendor["id"], stock=5)["variants"][0]["id"]
    cart = shop.ready_cart([(plenty, 2), (scarce, 4)])
    shop.ok(shop.client.post(f"/admin/inventory/{scarce}", json={"stocked_quantity": 3}, headers=shop.admin))
    before = shop.snapshot()

    problem = assert_problem(shop.client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store),
                             409, "conflict")

    assert problem.get("variant_id") == scarce
    assert shop.snapshot() == before  # no order, no reservation, no stock held on the other line, no event
    assert shop.ok(shop.client.get(f"/store/carts/{cart['id']}", headers=shop.store))["status"] == "open"
    # Stock back: the same cart completes.
    shop.ok(shop.client.post(f"/admin/inventory/{scarce}", json={"stocked_quantity": 4}, headers=shop.admin))
    order = shop.ok(shop.client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    assert sorted(i["quantity"] for vo in order["vendor_orders"] for i in vo["items"]) == [2, 4]


def test_a_checkout_takes_one_order_number_with_its_cart_and_a_completed_cart_none(shop: Shop) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    variants = shop.product(vendor["id"], variants=3)["variants"]
    first, second = shop.ready_cart([(v["id"], 1) for v in variants]), shop.ready_cart([(variants[0]["id"], 1)])

    placed = shop.ok(shop.client.post(f"/store/carts/{first['id']}/complete", headers=shop.store))
    again = shop.ok(shop.client.post(f"/store/carts/{first['id']}/complete", headers=shop.store))
    following = shop.ok(shop.client.post(f"/store/carts/{second['id']}/complete", headers=shop.store))

    assert again["display_id"] == placed["display_id"]  # the same order again, no number taken
    # The cart's three rows read one number; the next order has the next one.
    assert following["display_id"] == placed["display_id"] + 1
    stored = shop.ok(shop.client.get(f"/admin/orders/{placed['id']}", headers=shop.admin))
    assert stored["display_id"] == placed["display_id"]


def test_a_checkout_commits_in_its_routes_thread_and_its_session_end_takes_no_hop(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    variant = shop.product(vendor["id"])["variants"][0]["id"]
    cart = shop.ready_cart([(variant, 1)])
    hops: list[str] = []

    async def counted_hop(function: Callable[..., Any], *args: Any) -> Any:
        hops.append(function.__name__)
        return await run_in_threadpool(function, *args)

    monkeypatch.setattr("api.db.run_in_threadpool", counted_hop)
    order = shop.ok(shop.client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    assert hops == []  # committed by the route; the session's end had nothing left to do
    # Committed: another transaction sees the order and the closed cart.
    with shop.database.transaction(Domain.commerce) as session:
        assert session.get(Order, order["id"]) is not None
        assert session.get(Cart, cart["id"]).status == "completed"  # type: ignore[union-attr]

    # A checkout that fails still ends its transaction the usual way, in a thread of its own (and leaves nothing).
    empty = shop.cart()
    hops.clear()
    assert_problem(shop.client.post(f"/store/carts/{empty['id']}/complete", headers=shop.store), 422,
                   "validation-failed")
    assert hops == ["end"]


def test_a_checkout_plans_its_statements_once_per_connection(shop: Shop) -> None:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"])
    variant = shop.product(vendor["id"])["variants"][0]
    cart = shop.ready_cart([(variant["id"], 1)])
    with commerce_statements(shop.database, "plan_cache_mode") as seen:
        shop.ok(shop.client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    assert len(seen) == 1 and "force_generic_plan" in seen[0], seen
