"""The admin console in a real browser: approving a vendor puts its store live, rules refuse overlaps with a
clear message, quotes are answered, Sync now launches a Dagster run, a dead delivery replays; and nobody but
staff gets in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import text

from api.auth.models import Role
from api.config import Settings
from api.db import Database, Domain
from api.web.console.routes import router as console_router
from api.web.finance.routes import router as finance_router
from tests.b2b.conftest import Market, company, employee, market
from tests.commerce.conftest import Shop, customer_headers, shop, store_headers
from tests.sync.conftest import pump, subscriptions, sync_settings
from tests.web.conftest import sign_in

__all__ = ["customer_headers", "market", "pump", "shop", "store_headers", "subscriptions", "sync_settings"]


def console_login(page: Page, make_user: Callable[..., dict[str, Any]], role: Role = Role.admin,
                  next_path: str = "/console") -> dict[str, Any]:
    user = make_user(role)
    sign_in(page, user, next_path)
    return user


def test_admin_approves_a_vendor_sets_a_rule_and_answers_a_quote(
    page: Page, shot: Callable[..., Any], make_user: Callable[..., dict[str, Any]], shop: Shop,
    customer_headers: Callable[[], dict[str, str]],
) -> None:
    vendor = shop.vendor("harbour-tools", approve=False)
    console_login(page, make_user)
    expect(page.get_by_role("heading", name="Marketplace overview")).to_be_visible()
    shot(page, "home")

    # The newest application is on the home page; approving it puts the store live.
    page.get_by_role("link", name=vendor["name"]).first.click()
    expect(page.get_by_role("heading", name=re.compile(vendor["name"]))).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Vendor approved: its store is live.")).to_be_visible()
    expect(page.get_by_role("link", name="/shop/harbour-tools")).to_be_visible()
    shot(page, "vendor-approved")
    approved = shop.ok(shop.client.get(f"/admin/vendors/{vendor['id']}", headers=shop.admin))
    assert approved["status"] == "approved"
    audit = shop.ok(shop.client.get("/admin/audit-log", params={"action": "vendor.approve"}, headers=shop.admin))
    assert audit["items"][0]["entity_id"] == vendor["id"]

    # Suspending needs a reason the vendor will see.
    page.get_by_label("Reason").fill("Unpaid invoices")
    page.get_by_role("button", name="Suspend").click()
    expect(page.get_by_text("Reason: Unpaid invoices")).to_be_visible()
    assert shop.ok(shop.client.get(f"/admin/vendors/{vendor['id']}", headers=shop.admin))["status_reason"] == (
        "Unpaid invoices")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Vendor approved")).to_be_visible()

    # The list searches and filters.
    page.goto("/console/vendors?q=harbour")
    expect(page.get_by_role("cell", name=re.compile("Harbour-Tools"))).to_be_visible()
    page.goto("/console/vendors?q=nothing-like-it")
    expect(page.get_by_text("No vendors match")).to_be_visible()

    # A commission rule; an overlapping one is refused with a clear message and nothing is saved.
    page.goto("/console/commission-rules")
    for attempt in ("Harbour 12 %", "Harbour again"):
        page.locator("#f-name").fill(attempt)
        page.get_by_label("Scope", exact=True).select_option("vendor")
        page.get_by_label("Vendor id (vendor scope)").fill(vendor["id"])
        page.get_by_label("Rate (0.1200 = 12 %)").fill("0.1200")
        page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_role("alert")).to_contain_text("may not overlap")
    shot(page, "rule-overlap")
    rules = shop.ok(shop.client.get("/admin/commission-rules", params={"vendor_id": vendor["id"]},
                                    headers=shop.admin))
    assert [r["name"] for r in rules["items"]] == ["Harbour 12 %"]

    # A buyer's quote, answered on its page.
    product = shop.product(vendor["id"], title="Anchor chain")
    variant_id = product["variants"][0]["id"]
    buyer = customer_headers()
    quote = shop.ok(shop.client.post("/store/quotes", json={
        "region_id": shop.regions["EUR"]["id"], "items": [{"variant_id": variant_id, "quantity": 40}],
        "message": "Forty, please"}, headers=buyer), 201)
    page.goto("/console/quotes?status=requested")
    page.get_by_role("link", name=quote["id"]).click()
    expect(page.get_by_text("Forty, please")).to_be_visible()
    page.get_by_role("button", name="Send the quote").click()
    expect(page.get_by_role("alert")).to_be_visible()  # no price given: inline error, nothing sent
    assert shop.ok(shop.client.get(f"/store/quotes/{quote['id']}", headers=buyer))["status"] == "requested"
    page.get_by_label(re.compile("Unit price for")).fill("850")
    page.get_by_label("Message to the buyer").fill("Our best price")
    page.get_by_role("button", name="Send the quote").click()
    expect(page.get_by_text("Quote answered")).to_be_visible()
    shot(page, "quote-answered")
    answered = shop.ok(shop.client.get(f"/store/quotes/{quote['id']}", headers=buyer))
    assert answered["status"] == "responded" and answered["total"] == 40 * 850


def test_admin_manages_companies_keys_staff_and_reads_the_audit_log(
    page: Page, shot: Callable[..., Any], make_user: Callable[..., dict[str, Any]], market: Market,
) -> None:
    created, _ = company(market, approve=False)
    console_login(page, make_user, next_path="/console/companies?status=pending_approval")
    page.get_by_role("link", name=created["name"]).click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Company approved.")).to_be_visible()
    page.get_by_label(re.compile("Credit limit in minor units")).fill("-5")
    page.get_by_role("button", name="Save credit limit").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label(re.compile("Credit limit in minor units")).fill("250000")
    page.get_by_role("button", name="Save credit limit").click()
    expect(page.get_by_text("Credit limit saved.")).to_be_visible()
    shot(page, "company")
    got = market.ok(market.client.get(f"/admin/companies/{created['id']}", headers=market.shop.admin))
    assert got["status"] == "approved" and got["credit_limit"] == 250000

    page.goto("/console/api-keys")
    page.locator("#f-name").fill("erp")
    page.get_by_label("admin:read").check()
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("[data-secret]").inner_text()
    assert secret.startswith("sk_")
    shot(page, "key-created")
    assert market.client.get("/admin/vendors", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    page.get_by_role("row", name=re.compile("erp")).get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Key revoked")).to_be_visible()
    assert market.client.get("/admin/vendors", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    page.goto("/console/users")
    page.locator("#f-email").fill("ledger@example.com")
    page.get_by_label("Initial password").fill("a-long-enough-password-1")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("ledger@example.com can sign in now.")).to_be_visible()

    page.goto("/console/audit?action=company.approve")
    expect(page.get_by_role("cell", name=created["id"])).to_be_visible()
    shot(page, "audit")
    page.goto("/console/audit?since=not-a-day")
    expect(page.get_by_role("alert")).to_be_visible()


def test_sync_now_launches_the_dagster_run_and_links_to_it(
    page: Page, make_user: Callable[..., dict[str, Any]], app: FastAPI, dagster_webserver: int,
    shot: Callable[..., Any],
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"dagster_port": dagster_webserver})
    console_login(page, make_user)
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text(re.compile(r"Sync started: Dagster run [0-9a-f-]{36}"))).to_be_visible()
    link = page.get_by_role("link", name="Watch it in the Dagster UI")
    href = link.get_attribute("href") or ""
    assert re.fullmatch(rf"http://127\.0\.0\.1:{dagster_webserver}/runs/[0-9a-f-]{{36}}", href)
    shot(page, "sync-now")


def test_a_dead_delivery_replayed_from_the_console_is_delivered(
    page: Page, make_user: Callable[..., dict[str, Any]], shop: Shop, database: Database,
    pump: Callable[..., int], client: TestClient, shot: Callable[..., Any],
) -> None:
    vendor = shop.vendor("replayed")
    pump(client)
    with database.transaction(Domain.commerce) as session:
        delivery_id: str = session.execute(text(
            "UPDATE commerce.webhook_deliveries SET status = 'dead', attempts = 8, delivered_at = NULL, "
            "last_error = 'connection refused' WHERE id = (SELECT id FROM commerce.webhook_deliveries "
            "WHERE topic = 'vendor.created' ORDER BY created_at LIMIT 1) RETURNING id"
        )).scalar_one()
    console_login(page, make_user, next_path="/console/webhooks?status=dead")
    expect(page.get_by_text("connection refused")).to_be_visible()
    shot(page, "dead")
    page.get_by_role("button", name="Replay", exact=True).click()
    expect(page.get_by_text("Delivery queued again.")).to_be_visible()
    pump(client)
    with database.transaction(Domain.commerce) as session:
        status: str = session.execute(text("SELECT status FROM commerce.webhook_deliveries WHERE id = :id"),
                                 {"id": delivery_id}).scalar_one()
    assert status == "delivered", vendor


# ---- who gets in ----------------------------------------------------------------------------------------


def console_routes() -> list[tuple[str, str]]:
    """Every console and finance page route: (method, path with its ids filled in)."""
    out: list[tuple[str, str]] = []
    for route in (*console_router.routes, *finance_router.routes):
        if isinstance(route, APIRoute):
            path = re.sub(r"\{[^}]+\}", "x_1", route.path)
            out.extend((method, path) for method in sorted(route.methods or ()))
    return out


def browser_session(http: httpx.Client, user: dict[str, Any]) -> str:
    """Sign `http` in through the /login form; return a CSRF token valid for its session."""
    login_page = http.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', login_page.text)
    assert token
    answer = http.post("/login", data={"email": user["email"], "password": user["password"],
                                       "csrf_token": token.group(1)})
    assert answer.status_code == 303, answer.text
    page = http.get("/console")  # the console, or its 403 page: both carry the sign-out form
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


@pytest.mark.parametrize("kind", ["customer", "vendor", "company"])
def test_nobody_but_staff_gets_in(
    kind: str, http: httpx.Client, make_user: Callable[..., dict[str, Any]], market: Market,
) -> None:
    routes = console_routes()
    assert len(routes) > 25
    # Anonymous visitors are sent to sign in.
    for method, path in routes:
        answer = http.request(method, path)
        assert answer.status_code in (303, 403), (method, path, answer.status_code)
        if method == "GET":
            assert answer.headers["location"].startswith("/login?next="), path
    if kind == "customer":
        user = make_user(Role.customer)
    elif kind == "vendor":
        user = make_user(Role.vendor, vendor_id=market.shop.vendor()["id"])
    else:
        _, admin_headers = company(market)
        made, _ = employee(market, admin_headers, "buyer")
        user = {"email": made["email"], "password": "correct-horse-battery"}
    csrf = browser_session(http, user)
    for method, path in routes:
        data = {"csrf_token": csrf} if method == "POST" else None
        answer = http.request(method, path, data=data)
        assert answer.status_code == 403, (method, path, answer.status_code)
        assert "You cannot open this page" in answer.text


def test_finance_reads_the_console_but_cannot_act(
    http: httpx.Client, make_user: Callable[..., dict[str, Any]], shop: Shop, settings: Settings,
) -> None:
    vendor = shop.vendor("looked-at", approve=False)
    csrf = browser_session(http, make_user(Role.finance))
    assert http.get(f"/console/vendors/{vendor['id']}").status_code == 200
    refused = http.post(f"/console/vendors/{vendor['id']}/status", data={"csrf_token": csrf, "action": "approve"})
    assert refused.status_code == 403
    assert shop.ok(shop.client.get(f"/admin/vendors/{vendor['id']}", headers=shop.admin))["status"] == "pending"


def test_another_objects_page_is_the_404_page(http: httpx.Client, make_user: Callable[..., dict[str, Any]]) -> None:
    browser_session(http, make_user(Role.admin))
    for path in ("/console/vendors/vend_missing", "/console/companies/comp_missing", "/console/quotes/quo_missing"):
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert "Page not found" in answer.text and "request id" in answer.text.lower()
