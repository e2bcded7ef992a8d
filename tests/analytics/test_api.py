"""Dashboards' API: vendor analytics and admin vendor stats read `analytics.vendor_stats`, which must match
what the raw rows say (computed here independently); finance reads runs and statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from fastapi.testclient import TestClient

from api.auth.models import Role
from tests.analytics.conftest import World
from tests.conftest import assert_problem

VENDOR_PASSWORD = "demo-password-123"


def _expected_stats(world: World) -> dict[tuple[str, str, str], dict[str, int]]:
    """Per (vendor, day, currency) from the raw commerce rows."""
    stats: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    orders: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in world.sql("""
        SELECT vo.vendor_id, (o.created_at AT TIME ZONE 'UTC')::date::text AS day, o.currency_code, vo.id AS vo,
               l.subtotal, l.quantity
        FROM commerce.order_line_items l JOIN commerce.vendor_orders vo ON vo.id = l.vendor_order_id
        JOIN commerce.orders o ON o.id = vo.order_id WHERE vo.status <> 'canceled'
    """):
        key = (row["vendor_id"], row["day"], row["currency_code"])
        stats[key]["gross_sales"] += row["subtotal"]
        stats[key]["items"] += row["quantity"]
        orders[key].add(row["vo"])
    for row in world.sql("""
        SELECT vo.vendor_id, o.currency_code, (r.created_at AT TIME ZONE 'UTC')::date::text AS day,
               a.value::bigint AS amount
        FROM commerce.refunds r CROSS JOIN LATERAL jsonb_each_text(r.allocations) AS a
        JOIN commerce.vendor_orders vo ON vo.id = a.key JOIN commerce.orders o ON o.id = vo.order_id
        WHERE vo.status <> 'canceled'
    """):
        stats[(row["vendor_id"], row["day"], row["currency_code"])]["refunds"] += row["amount"]
    for row in world.sql("""
        SELECT cl.vendor_id, cl.currency_code, cl.commission_amount, cl.vendor_amount,
               (CASE WHEN cl.type = 'sale' THEN o.created_at ELSE cl.created_at END AT TIME ZONE 'UTC')::date::text
                   AS day
        FROM commerce.commission_lines cl JOIN commerce.orders o ON o.id = cl.order_id
    """):
        key = (row["vendor_id"], row["day"], row["currency_code"])
        stats[key]["commission"] += row["commission_amount"]
        stats[key]["earnings"] += row["vendor_amount"]
    for key, values in stats.items():
        values["orders"] = len(orders[key])
        values["net_sales"] = values["gross_sales"] - values["refunds"]
        values["average_order_value"] = (
            int((Decimal(values["gross_sales"]) / values["orders"]).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
            if values["orders"] else 0
        )
    return {k: dict(v) for k, v in stats.items()}


FIELDS = ("gross_sales", "net_sales", "orders", "items", "average_order_value", "refunds", "commission", "earnings")


def test_vendor_stats_mart_matches_the_raw_rows(world: World) -> None:
    mart = {
        (r["vendor_id"], r["stat_date"].isoformat(), r["currency_code"]): {f: int(r[f]) for f in FIELDS}
        for r in world.sql("SELECT * FROM analytics.vendor_stats")
    }
    expected = {k: {f: v.get(f, 0) for f in FIELDS} for k, v in _expected_stats(world).items()}
    assert mart == expected
    assert {day for _, day, _ in mart} >= {d.isoformat() for d in world.order_days}


def test_vendor_sees_only_its_own_analytics(
    world: World, client: TestClient, login: Callable[..., dict[str, str]], make_user: Callable[..., dict[str, Any]]
) -> None:
    vendor = login({"email": "lumen-works@example.com", "password": VENDOR_PASSWORD})
    own, other = world.vendors["lumen-works"], world.vendors["nordic-oak"]
    window = {"from": world.first_day.isoformat(), "to": world.today.isoformat()}
    response = client.get("/vendor/analytics", params=window, headers=vendor)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["vendor_id"] == own and body["from"] == window["from"] and body["to"] == window["to"]
    rows = world.sql("""SELECT * FROM analytics.vendor_stats WHERE vendor_id = :v AND stat_date BETWEEN :a AND :b
                        ORDER BY stat_date, currency_code""", v=own, a=world.first_day, b=world.today)
    assert [(s["date"], s["currency_code"], s["gross_sales"], s["earnings"]) for s in body["series"]] == [
        (r["stat_date"].isoformat(), r["currency_code"], r["gross_sales"], r["earnings"]) for r in rows
    ]
    for total in body["totals"]:
        mine = [r for r in rows if r["currency_code"] == total["currency_code"]]
        for field in ("gross_sales", "net_sales", "orders", "items", "refunds", "commission", "earnings"):
            assert total[field] == sum(int(r[field]) for r in mine)
        gross, count = sum(int(r["gross_sales"]) for r in mine), sum(int(r["orders"]) for r in mine)
        assert total["average_order_value"] == (
            int((Decimal(gross) / count).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) if count else 0
        )
        assert len(total["top_products"]) <= 5
    assert any(t["orders"] > 0 for t in body["totals"])

    # Another vendor's id is not found; the admin route is not for vendors.
    assert_problem(client.get("/vendor/analytics", params={**window, "vendor_id": other}, headers=vendor), 404,
                   "not-found")
    assert client.get(f"/admin/vendors/{other}/stats", headers=vendor).status_code == 403
    # Bad input: a reversed range, a range over a year, a malformed date.
    assert_problem(client.get("/vendor/analytics", params={"from": window["to"], "to": window["from"]}, headers=vendor),
                   422, "validation-failed")
    year_ago = (world.today - timedelta(days=400)).isoformat()
    assert_problem(client.get("/vendor/analytics", params={"from": year_ago, "to": window["to"]}, headers=vendor),
                   422, "validation-failed")
    assert client.get("/vendor/analytics", params={"from": "yesterday"}, headers=vendor).status_code == 422

    admin = login(make_user(Role.admin))
    as_admin = client.get(f"/admin/vendors/{own}/stats", params=window, headers=admin)
    assert as_admin.status_code == 200 and as_admin.json() == body
    assert_problem(client.get("/admin/vendors/vend_doesnotexist/stats", headers=admin), 404, "not-found")
    assert client.get("/vendor/analytics", headers=admin).status_code == 403


def test_finance_reads_runs_and_statements(
    world: World, client: TestClient, login: Callable[..., dict[str, str]], make_user: Callable[..., dict[str, Any]]
) -> None:
    finance = login(make_user(Role.finance))
    listed = client.get("/admin/commissions/runs", params={"from": world.first_day.isoformat()}, headers=finance)
    assert listed.status_code == 200, listed.text
    runs = listed.json()["items"]
    assert {r["period_start"] for r in runs} >= {d.isoformat() for d in world.order_days}
    busiest = max(runs, key=lambda r: r["line_count"])
    assert busiest["totals"] and busiest["dagster_run_id"]
    detail = client.get(f"/admin/commissions/runs/{busiest['id']}", headers=finance)
    assert detail.status_code == 200 and detail.json()["findings"] == []
    statements = client.get("/admin/commissions/statements", params={"run_id": busiest["id"]}, headers=finance)
    assert statements.status_code == 200
    stated = {(s["vendor_id"], s["currency_code"]): (s["commission_amount"], s["earnings"]) for s in statements.json()}
    assert stated == {
        (t["vendor_id"], t["currency_code"]): (t["commission_amount"], t["vendor_amount"]) for t in busiest["totals"]
    }
    assert_problem(client.get("/admin/commissions/runs/crun_missing", headers=finance), 404, "not-found")
    assert client.get("/admin/commissions/runs/not-a-run-id", headers=finance).status_code == 422
    assert_problem(client.get("/admin/commissions/runs", params={"status": "paid"}, headers=finance), 422,
                   "validation-failed")
    bad = client.post("/admin/commissions/calculate", json={"period_start": "2026-11-02", "period_end": "2026-11-01"},
                      headers=finance)
    assert_problem(bad, 422, "validation-failed")
    customer = login(make_user(Role.customer))
    assert client.get("/admin/commissions/runs", headers=customer).status_code == 403
