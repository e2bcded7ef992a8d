"""Commission terms frozen at the sale: rule versions a sale used never change (edit/delete refused, a change
is a new version), overlapping versions are refused by the database, and a vendor's own category tag never
changes its commission."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from api.db import Database, Domain
from tests.b2b.conftest import Market
from tests.conftest import assert_problem

RULES = "/admin/commission-rules"
LONG_AGO = "2020-01-01T00:00:00Z"


def _rule(market: Market, body: dict[str, Any]) -> Any:
    return market.ok(market.client.post(RULES, json=body, headers=market.shop.admin), 201)


def test_a_rule_change_after_a_sale_changes_nothing_about_it_or_its_refund(market: Market) -> None:
    client, admin = market.client, market.shop.admin
    vendor, _, variant = market.seller(price=10_000)
    old = _rule(market, {"name": "Vendor 20%", "scope": "vendor", "vendor_id": vendor["id"], "rate": "0.2000",
                         "fixed_fees": [{"currency_code": "EUR", "amount": 100}], "valid_from": LONG_AGO})
    order = market.buy([(variant, 1)])  # 12600 paid; commission 2000 + 100
    [sale] = market.lines(order_id=order["id"])
    assert (sale["rule_id"], sale["rate"], sale["fixed_fee"], sale["commission_amount"]) == (old["id"], "0.2000",
                                                                                           100, 2100)
    # The used version is frozen: no edit of its terms, no delete, no closing in the past.
    assert_problem(client.patch(f"{RULES}/{old['id']}", json={"rate": "0.0100"}, headers=admin), 409, "conflict")
    assert_problem(client.patch(f"{RULES}/{old['id']}", json={"valid_to": "2021-01-01T00:00:00Z"}, headers=admin),
                   409, "conflict")
    assert_problem(client.delete(f"{RULES}/{old['id']}", headers=admin), 409, "conflict")
    assert_problem(client.post(f"{RULES}/{old['id']}/versions",
                               json={"rate": "0.0100", "valid_from": "2021-01-01T00:00:00Z"}, headers=admin),
                   422, "validation-failed")
    # A change is a new version from now on.
    new = market.ok(client.post(f"{RULES}/{old['id']}/versions", json={"rate": "0.0500"}, headers=admin), 201)
    assert (new["previous_version_id"], new["rate"], new["vendor_id"]) == (old["id"], "0.0500", vendor["id"])
    closed = market.ok(client.get(f"{RULES}/{old['id']}", headers=admin))
    assert closed["valid_to"] == new["valid_from"] and closed["rate"] == "0.2000"

    # The old sale keeps its terms, and its refund reverses exactly those.
    market.capture(order["id"])
    market.ok(client.post(f"/admin/orders/{order['id']}/refunds", json={"amount": 6300}, headers=admin))
    lines = market.lines(order_id=order["id"])
    assert {(x["type"], x["rule_id"], x["rate"]) for x in lines} == {("sale", old["id"], "0.2000"),
                                                                       ("refund", old["id"], "0.2000")}
    [refund] = [x for x in lines if x["type"] == "refund"]
    assert (refund["gross_amount"], refund["commission_amount"]) == (-6300, -1050)
    # The commission run of the sale's day recomputes the same terms: no finding, checks pass.
    run = market.settle(order["id"], capture=False)
    assert (run["finding_count"], run["checks_passed"]) == (0, True)
    # A new sale is priced with the new version.
    later = market.buy([(variant, 1)])
    [line] = market.lines(order_id=later["id"])
    assert (line["rule_id"], line["commission_amount"]) == (new["id"], 500)


def test_overlapping_rule_versions_are_refused_by_the_database(market: Market, database: Database) -> None:
    vendor, _, _ = market.seller()
    _rule(market, {"name": "A", "scope": "vendor", "vendor_id": vendor["id"], "rate": "0.1000",
                   "valid_from": LONG_AGO, "valid_to": "2030-01-01T00:00:00Z"})
    assert_problem(market.client.post(RULES, json={"name": "B", "scope": "vendor", "vendor_id": vendor["id"],
                                                   "rate": "0.2000", "valid_from": "2029-01-01T00:00:00Z"},
                                      headers=market.shop.admin), 409, "conflict")
    # Straight into the table, past every line of Python: the exclusion constraint refuses it.
    insert = text("""INSERT INTO commerce.commission_rules (id, name, scope, vendor_id, rate, fixed_fees, priority,
                     valid_from, valid_to) VALUES (:id, 'raw', 'vendor', :vendor, 0.3, '{}', 0, :start, NULL)""")
    with pytest.raises(IntegrityError, match="xc_commission_rules_no_overlap"), \
            database.transaction(Domain.commerce) as session:
        session.execute(insert, {"id": "crule_raw1", "vendor": vendor["id"], "start": "2029-06-01T00:00:00Z"})
    # Adjacent versions ([from, to) ranges) and other targets are fine.
    with database.transaction(Domain.commerce) as session:
        session.execute(insert, {"id": "crule_raw2", "vendor": vendor["id"], "start": "2030-01-01T00:00:00Z"})
    _rule(market, {"name": "Platform", "scope": "platform", "rate": "0.1000", "valid_from": LONG_AGO})


def test_a_vendor_category_tag_does_not_lower_its_commission(market: Market) -> None:
    client, admin = market.client, market.shop.admin
    vendor, headers, variant = market.seller(price=10_000)
    product_id = market.ok(client.get("/vendor/products", headers=headers))["items"][0]["id"]
    _rule(market, {"name": "Vendor 20%", "scope": "vendor", "vendor_id": vendor["id"], "rate": "0.2000",
                   "valid_from": LONG_AGO})
    cheap = _rule(market, {"name": "Cheap", "scope": "category", "category_id": "cat_cheap", "rate": "0.0100",
                           "valid_from": LONG_AGO})
    # The vendor tags its own product with the 1 % category: nothing changes.
    market.ok(client.patch(f"/vendor/products/{product_id}", json={"category_ids": ["cat_cheap"]}, headers=headers))
    order = market.buy([(variant, 1)])
    [line] = market.lines(order_id=order["id"])
    assert (line["rate"], line["commission_amount"], line["categories"]) == ("0.2000", 2000, [])
    # A platform admin assigns (approves) the category: now it counts, and the sale records it.
    market.ok(client.post(f"/admin/products/{product_id}", json={"category_ids": ["cat_cheap"]}, headers=admin))
    approved = market.buy([(variant, 1)])
    [line] = market.lines(order_id=approved["id"])
    assert (line["rule_id"], line["commission_amount"], line["categories"]) == (cheap["id"], 100, ["cat_cheap"])
    # Both days' commissions recompute from the recorded categories: no findings.
    run = market.settle(order["id"], approved["id"])
    assert (run["finding_count"], run["checks_passed"]) == (0, True)
