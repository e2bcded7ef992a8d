"""Lineage: a payout and a run total (a statement line) list the commission lines, order lines, rule versions
and refunds that make them up, and those add up to the amounts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.auth.models import Role
from api.db import Database
from api.web.render import format_money
from tests.b2b.conftest import Market
from tests.b2b.test_money_balance import _batch
from tests.conftest import assert_problem


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the login form carries no CSRF token"
    return match.group(1)


def test_a_payout_and_a_run_total_list_what_makes_them_up(market: Market, database: Database) -> None:
    client, admin = market.client, market.shop.admin
    vendor, _, variant = market.seller(price=10_000, categories=("cat_tools",))
    rule = market.ok(client.post("/admin/commission-rules", json={
        "name": "Tools", "scope": "category", "category_id": "cat_tools", "rate": "0.1500",
        "valid_from": "2020-01-01T00:00:00Z"}, headers=admin), 201)
    order = market.buy([(variant, 2)])  # 24600 paid; commission 3000 -> earnings 21600
    run = market.settle(order["id"])
    market.ok(client.post(f"/admin/orders/{order['id']}/refunds", json={"amount": 2460}, headers=admin))
    _batch(database)
    finance = market.finance()
    [payout] = market.ok(client.get("/admin/payouts", params={"vendor_id": vendor["id"]}, headers=finance))["items"]

    found = market.ok(client.get(f"/admin/payouts/{payout['id']}/lineage", headers=finance))
    assert (found["subject"], found["amount"]) == ("payout", payout["amount"])
    assert found["totals"]["vendor_amount"] == payout["amount"] == 21600 - 2160
    assert sorted(x["type"] for x in found["commission_lines"]) == ["refund", "sale"]
    [line] = found["order_lines"]
    assert (line["quantity"], line["subtotal"]) == (2, 20000)
    assert [(r["id"], r["rate"]) for r in found["rules"]] == [(rule["id"], "0.1500")]
    assert [r["amount"] for r in found["refunds"]] == [2460]

    statement = market.ok(client.get(f"/admin/commissions/runs/{run['id']}/lineage",
                                     params={"vendor_id": vendor["id"], "currency": "EUR"}, headers=finance))
    [total] = [t for t in run["totals"] if t["vendor_id"] == vendor["id"]]
    assert statement["totals"]["vendor_amount"] == total["vendor_amount"] == 21600
    assert statement["totals"]["commission_amount"] == total["commission_amount"] == 3000
    assert [x["type"] for x in statement["commission_lines"]] == ["sale"]  # the refund is another day's
    assert_problem(client.get(f"/admin/payouts/{payout['id']}/lineage", headers=market.vendor_user(vendor["id"])),
                   403, "forbidden")
    assert_problem(client.get("/admin/payouts/po_missing/lineage", headers=finance), 404, "not-found")

    # The finance page of the payout renders the same answer: its lines, order lines, rule versions and refunds.
    with TestClient(client.app) as browser:
        user = market.make_user(Role.finance)
        signed_in = browser.post("/login", data={"email": user["email"], "password": user["password"],
                                                 "csrf_token": _csrf(browser.get("/login").text)},
                                 follow_redirects=False)
        assert signed_in.status_code == 303
        listed = browser.get("/console/finance/payouts", params={"vendor_id": vendor["id"]})
        assert f'href="/console/finance/payouts/{payout["id"]}"' in listed.text
        shown = browser.get(f"/console/finance/payouts/{payout['id']}")
        assert shown.status_code == 200, shown.text
        assert f"What makes up payout {payout['id']}" in shown.text
        for part in (*(x["id"] for x in found["commission_lines"]), line["id"], rule["id"],
                     found["refunds"][0]["id"], format_money(payout["amount"], "EUR")):
            assert part in shown.text
        assert browser.get("/console/finance/payouts/po_missing").status_code == 404
