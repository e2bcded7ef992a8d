"""Finance review in a real browser: a day's commission run is opened, a vendor's total drilled down to its
commission lines and order and back, the run approved, the payout batch built and paid, and the statement CSV
agrees with the page to the cent. The exports stream."""

from __future__ import annotations

import csv
import gc
import io
import os
import re
from collections.abc import Callable
from typing import Any

import httpx
from dagster import materialize
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from sqlalchemy import text

from api.auth.models import Role
from api.commissions.models import CommissionLine
from api.db import Database, DatabaseUrls, Domain
from api.web.render import format_money
from assets.commissions.definitions import payout_batch
from assets.dbt import DBT_ASSETS
from orchestration.resources import StoresResource, build_dbt_resource
from tests.b2b.conftest import Market, market
from tests.commerce.conftest import customer_headers, shop, store_headers
from tests.web.conftest import sign_in
from tests.web.test_console import browser_session

__all__ = ["customer_headers", "market", "shop", "store_headers"]


def stores(urls: DatabaseUrls) -> StoresResource:
    """The pipelines' connection (the owner's, as Dagster and dbt use), not the API's."""
    return StoresResource(commerce_url=urls.commerce, content_url=urls.content)


def test_finance_drills_down_approves_pays_and_exports(
    page: Page, shot: Callable[..., Any], make_user: Callable[..., dict[str, Any]], market: Market,
    urls: DatabaseUrls,
) -> None:
    vendor, _, variant = market.seller(price=10_000)
    other, _, other_variant = market.seller(price=4_000, rate="0.2000")
    orders = [market.buy([(variant, 2)]), market.buy([(variant, 1), (other_variant, 3)])]
    for order in orders:
        market.capture(order["id"])
    days = {market.backdate(order["id"]) for order in orders}
    [day] = days
    run = market.run_day(day)
    total = next(t for t in run["totals"] if t["vendor_id"] == vendor["id"])

    sign_in(page, make_user(Role.finance), "/console/finance")
    expect(page.get_by_role("heading", name="Finance", exact=True)).to_be_visible()
    shot(page, "overview")
    page.get_by_role("link", name=str(day)).first.click()
    expect(page.get_by_role("heading", name=re.compile(f"Commission run {day}"))).to_be_visible()
    shot(page, "run")

    # Drill down from the vendor's total to the lines that make it up...
    page.get_by_role("link", name=f"Commission lines of {vendor['name']} in EUR").click()
    expect(page.get_by_role("heading", name="What makes up the total")).to_be_visible()
    shown = page.locator("tbody tr")
    expect(shown).to_have_count(total["lines"])
    lines = market.ok(market.client.get(f"/admin/commissions/runs/{run['id']}/lines",
                                        params={"vendor_id": vendor["id"], "currency": "EUR"},
                                        headers=market.finance()))
    assert lines["total"] == total["lines"]
    assert sum(line["commission_amount"] for line in lines["items"]) == total["commission_amount"]
    assert sum(line["vendor_amount"] for line in lines["items"]) == total["vendor_amount"]
    shot(page, "lines")
    # ... to an order, and back.
    page.get_by_role("link", name=orders[1]["id"]).first.click()
    expect(page.get_by_role("heading", name=re.compile(f"Order #{orders[1]['display_id']}"))).to_be_visible()
    shot(page, "order")
    page.get_by_role("link", name="Back to the run's lines").click()
    expect(page.get_by_role("heading", name="What makes up the total")).to_be_visible()

    # Approve the run.
    page.goto(f"/console/finance/runs/{run['id']}")
    page.get_by_role("button", name="Approve run").click()
    expect(page.get_by_text("Run approved")).to_be_visible()
    assert market.ok(market.client.get(f"/admin/commissions/runs/{run['id']}", headers=market.finance()))[
        "status"] == "approved"

    # The payout batch (the asset, as the Build button's Dagster run does), reviewed and paid.
    result = materialize([payout_batch], resources={"stores": stores(urls)},
                         run_config={"ops": {"commissions__payout_batch": {"config": {"minimum_amount": 1}}}})
    assert result.success
    page.goto("/console/finance/batches")
    page.locator("tbody a").first.click()
    expect(page.get_by_role("heading", name=re.compile("Payout batch"))).to_be_visible()
    shot(page, "batch")
    page.get_by_role("button", name="Approve and pay").click()
    expect(page.get_by_text("Batch approved and paid.")).to_be_visible()
    paid = market.ok(market.client.get("/admin/payouts", params={"vendor_id": vendor["id"]},
                                       headers=market.finance()))["items"]
    assert [(p["status"], p["amount"]) for p in paid] == [("paid", total["vendor_amount"])]
    assert market.ok(market.client.get(f"/admin/commissions/runs/{run['id']}", headers=market.finance()))[
        "status"] == "locked"

    # Statements from the marts; the CSV's totals equal the page's, to the cent.
    built = materialize([*DBT_ASSETS], resources={"stores": stores(urls),
                                                  "dbt": build_dbt_resource(stores(urls))},
                        partition_key=day.isoformat())
    assert built.success
    page.goto(f"/console/finance/statements?run_id={run['id']}")
    shown_earnings = page.locator("[data-statement-earnings]").all_inner_texts()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    shot(page, "statements")
    assert {r["vendor_id"] for r in rows} == {vendor["id"], other["id"]}
    assert sorted(shown_earnings) == sorted(format_money(int(r["earnings"]), r["currency_code"]) for r in rows)
    by_vendor = {r["vendor_id"]: r for r in rows}
    assert int(by_vendor[vendor["id"]]["earnings"]) == total["vendor_amount"]
    assert int(by_vendor[vendor["id"]]["commission_amount"]) == total["commission_amount"]


def test_exports_stream_and_refuse_bad_input(
    http: httpx.Client, make_user: Callable[..., dict[str, Any]], market: Market, database: Database,
) -> None:
    _, _, variant = market.seller(price=2_500)
    order = market.buy([(variant, 4)])
    market.capture(order["id"])
    run = market.run_day(market.backdate(order["id"]))
    browser_session(http, make_user(Role.finance))
    with http.stream("GET", f"/console/finance/runs/{run['id']}/lines.csv") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert "content-length" not in answer.headers  # streamed, not built whole
        body = answer.read().decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 1 and rows[0]["order_id"] == order["id"] and int(rows[0]["gross_amount"]) > 0
    ledger = http.get("/console/finance/ledger.csv")
    assert ledger.status_code in (200, 503)
    bad = http.get("/console/finance/statements", params={"run_id": "'; drop table x;--"})
    assert bad.status_code == 400 and "request id" in bad.text.lower()
    assert http.get("/console/finance/runs/crun_missing").status_code == 404


LINE_COPIES = 200_000


def rss() -> int:
    """This process's resident memory in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_lines_csv_of_200k_lines_streams_in_flat_memory(
    http: httpx.Client, make_user: Callable[..., dict[str, Any]], market: Market, owner_database: Database,
) -> None:
    """A run of 200,000 commission lines downloads as CSV in 64 kB chunks while the process (the live server
    runs in it) grows by far less than the export's size: rows go from a server-side cursor to the wire."""
    _, _, variant = market.seller(price=2_500)
    order = market.buy([(variant, 1)])
    market.capture(order["id"])
    run = market.run_day(market.backdate(order["id"]))
    columns = [c.name for c in CommissionLine.__table__.columns if c.name != "id"]
    with owner_database.transaction(Domain.commerce) as session:  # copies of the run's line, same day and order
        session.execute(text(
            f"INSERT INTO commerce.commission_lines (id, {', '.join(columns)}) "
            f"SELECT 'cline_bulk' || g, {', '.join(columns)} FROM commerce.commission_lines, "
            "generate_series(1, :n) AS g WHERE order_id = :order_id"
        ), {"n": LINE_COPIES, "order_id": order["id"]})
    browser_session(http, make_user(Role.finance))
    gc.collect()
    before = peak = rss()
    size = chunks = lines = 0
    with http.stream("GET", f"/console/finance/runs/{run['id']}/lines.csv", timeout=120) as answer:
        assert answer.status_code == 200 and "content-length" not in answer.headers
        for chunk in answer.iter_bytes():
            size, chunks, lines = size + len(chunk), chunks + 1, lines + chunk.count(b"\n")
            if chunks % 50 == 0:
                peak = max(peak, rss())
    assert lines == LINE_COPIES + 2  # the header, the real line and its copies
    assert size > 30_000_000 and chunks > 100
    grown = peak - before
    assert grown < size / 2, f"the process grew by {grown / 1e6:.0f} MB for a {size / 1e6:.0f} MB export"


def test_build_batch_launches_the_dagster_job(
    page: Page, make_user: Callable[..., dict[str, Any]], app: FastAPI, dagster_webserver: int,
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"dagster_port": dagster_webserver})
    sign_in(page, make_user(Role.finance), "/console/finance/batches")
    page.get_by_role("button", name="Build a payout batch").click()
    expect(page.get_by_text(re.compile(r"Building the batch: Dagster run [0-9a-f-]{36}"))).to_be_visible()
    href = page.get_by_role("link", name="Watch it in the Dagster UI").get_attribute("href") or ""
    assert href.startswith(f"http://127.0.0.1:{dagster_webserver}/runs/")
