"""Commission rules (precedence, validity windows, overlaps) and the ledger written at placement and reversal."""

from __future__ import annotations

from tests.b2b.conftest import Market
from tests.conftest import assert_problem

RULES = "/admin/commission-rules"


def test_category_beats_vendor_beats_platform_with_fixed_fees(market: Market) -> None:
    client, shop = market.client, market.shop
    vendor_a, _, tools_variant = market.seller(categories=("cat_tools",))
    vendor_b, _, plain_b = market.seller(price=999)
    plain_a = shop.product(vendor_a["id"], prices={"EUR": 1000})["variants"][0]["id"]
    both = shop.product(vendor_b["id"], prices={"EUR": 1000}, category_ids=("cat_misc", "cat_tools"))
    both_variant = both["variants"][0]["id"]

    def rule(body: dict[str, object], status: int = 201) -> dict[str, object]:
        result: dict[str, object] = shop.ok(client.post(RULES, json=body, headers=shop.admin), status)
        return result

    platform = rule({"name": "Default", "scope": "platform", "rate": "0.1000"})
    vendor_rule = rule({"name": "A", "scope": "vendor", "vendor_id": vendor_a["id"], "rate": "0.0800"})
    tools = rule({"name": "Tools", "scope": "category", "category_id": "cat_tools", "rate": "0.1200",
                  "fixed_fees": [{"currency_code": "EUR", "amount": 30}], "priority": 5})
    misc = rule({"name": "Misc", "scope": "category", "category_id": "cat_misc", "rate": "0.0500", "priority": -1})
    rule({"name": "B, long ago", "scope": "vendor", "vendor_id": vendor_b["id"], "rate": "0.5000",
          "valid_from": "2020-01-01T00:00:00Z", "valid_to": "2021-01-01T00:00:00Z"})

    # Overlaps and bad targets are refused.
    assert_problem(client.post(RULES, json={"name": "Twice", "scope": "platform", "rate": "0.2"}, headers=shop.admin),
                   409, "conflict")
    assert_problem(client.post(RULES, json={"name": "X", "scope": "vendor", "rate": "0.2"}, headers=shop.admin),
                   422, "validation-failed")
    assert_problem(client.post(RULES, json={"name": "X", "scope": "platform", "rate": "1.5"}, headers=shop.admin),
                   422, "validation-failed")
    assert_problem(client.post(RULES, json={"name": "X", "scope": "vendor", "vendor_id": vendor_b["id"],
                                            "rate": "0.2", "valid_from": "2020-06-01T00:00:00Z",
                                            "valid_to": "2020-07-01T00:00:00Z"}, headers=shop.admin),
                   409, "conflict")
    assert_problem(client.post(RULES, json={"name": "X", "scope": "vendor", "vendor_id": vendor_b["id"],
                                            "rate": "0.2", "valid_from": "2030-06-01T00:00:00Z",
                                            "valid_to": "2030-05-01T00:00:00Z"}, headers=shop.admin),
                   422, "validation-failed")
    assert_problem(client.post(RULES, json={"name": "X", "scope": "vendor", "vendor_id": "vend_nobody",
                                            "rate": "0.2"}, headers=shop.admin), 422, "validation-failed")
    assert shop.ok(client.get(RULES, params={"scope": "category"}, headers=shop.admin))["total"] == 2

    order = market.buy([(tools_variant, 1), (plain_a, 3), (plain_b, 1), (both_variant, 2)])
    by_variant = {}
    for vo in order["vendor_orders"]:
        for item in vo["items"]:
            by_variant[item["variant_id"]] = item["id"]
    lines = {x["order_line_item_id"]: x for x in market.lines(order_id=order["id"])}
    expected = {
        tools_variant: (tools["id"], "0.1200", 30, 1000, 150),  # category rule: 120 + fee 30
        plain_a: (vendor_rule["id"], "0.0800", 0, 3000, 240),  # vendor rule
        plain_b: (platform["id"], "0.1000", 0, 999, 100),  # platform default; 99.9 rounds to 100
        both_variant: (tools["id"], "0.1200", 30, 2000, 270),  # the higher-priority category
    }
    for variant_id, (rule_id, rate, fee, base, commission) in expected.items():
        line = lines[by_variant[variant_id]]
        assert (line["rule_id"], line["rate"], line["fixed_fee"], line["base_amount"], line["commission_amount"]) == (
            rule_id, rate, fee, base, commission)
    for vo in order["vendor_orders"]:
        mine = [x for x in lines.values() if x["vendor_order_id"] == vo["id"]]
        assert sum(x["gross_amount"] for x in mine) == vo["total"]
        assert sum(x["vendor_amount"] + x["commission_amount"] for x in mine) == vo["total"]

    # Filters, the detail route, and the rule lifecycle.
    assert len(market.lines(vendor_id=vendor_a["id"])) == 2
    assert market.lines(since="2100-01-01T00:00:00Z") == []
    one = next(iter(lines.values()))
    assert shop.ok(client.get(f"/admin/commissions/lines/{one['id']}", headers=market.finance()))["id"] == one["id"]
    assert_problem(client.get("/admin/commissions/lines/cline_missing", headers=shop.admin), 404, "not-found")
    ended = shop.ok(client.patch(f"{RULES}/{tools['id']}", json={"valid_to": "2100-01-01T00:00:00Z"},
                                 headers=shop.admin))
    assert ended["valid_to"].startswith("2100-01-01")
    # A version a sale used cannot be deleted; one no sale used can.
    assert_problem(client.delete(f"{RULES}/{platform['id']}", headers=shop.admin), 409, "conflict")
    assert client.delete(f"{RULES}/{misc['id']}", headers=shop.admin).status_code == 204
    assert_problem(client.get(f"{RULES}/{misc['id']}", headers=shop.admin), 404, "not-found")

    # Cancelling before capture reverses every line: each vendor ends at zero.
    shop.ok(client.post(f"/admin/orders/{order['id']}/cancel", headers=shop.admin))
    all_lines = market.lines(order_id=order["id"])
    assert {x["type"] for x in all_lines} == {"sale", "cancellation"}
    assert sum(x["gross_amount"] for x in all_lines) == 0
    assert sum(x["commission_amount"] for x in all_lines) == 0


def test_no_rule_falls_back_to_the_vendor_rate(market: Market) -> None:
    _, _, variant = market.seller(rate="0.1500", price=1001)
    order = market.buy([(variant, 1)])
    [line] = market.lines(order_id=order["id"])
    assert (line["rule_id"], line["rate"], line["commission_amount"]) == (None, "0.1500", 150)  # 150.15
