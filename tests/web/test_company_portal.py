"""The company portal in Chromium: a company admin registers the company, the platform approves it through the
API; the admin adds a buyer with a spending limit and an approver; the buyer's order over the limit waits; the
approver approves it in the queue; after the dbt build (materialised here once) the order is on the company
dashboard with the mart's spend. A quote is requested on the pages, answered through the API as the vendor,
accepted and checked out on the pages. A second test visits another company's objects: 404 pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
from dagster import materialize
from playwright.sync_api import Browser, Page, expect

from api.auth.models import Role
from api.carts import service as carts
from api.carts.schemas import ShippingOptionIn
from api.catalog.schemas import PriceIn
from api.db import Database, DatabaseUrls, Domain
from api.regions import service as regions
from api.regions.schemas import RegionIn
from api.web.render import format_money
from assets.commissions.definitions import daily
from assets.dbt import DBT_ASSETS
from orchestration.resources import StoresResource, build_dbt_resource
from tests.web.conftest import LiveServer, sign_in

PASSWORD = "a-long-company-password"
EXPIRES = "2100-01-01T00:00:00Z"


def token(http: httpx.Client, email: str, password: str = PASSWORD) -> dict[str, str]:
    answer = http.post("/auth/token", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def seller(http: httpx.Client, database: Database, admin: dict[str, str]) -> tuple[dict[str, str], str, str]:
    """A region, an approved vendor with a shipping option and a published product (EUR 90.00): the vendor's
    headers, the variant id and the region id."""
    with database.transaction(Domain.commerce) as session:
        region = regions.create_region(session, RegionIn(name="Europe", currency_code="EUR",
                                                         tax_rate=Decimal("0.2"), countries=["DE"])).id
    answer = http.post("/store/vendors/register", json={"name": "Maple", "slug": "maple", "email": "maple@example.com",
                                                        "password": PASSWORD, "default_currency": "EUR"},
                       headers=admin)
    vendor_id = answer.json()["vendor"]["id"]
    assert http.post(f"/admin/vendors/{vendor_id}/approve", headers=admin).status_code == 200
    with database.transaction(Domain.commerce) as session:
        carts.create_shipping_option(session, ShippingOptionIn(
            vendor_id=vendor_id, name="Standard", prices=[PriceIn(currency_code="EUR", amount=500)]))
    vendor = token(http, "maple@example.com")
    product = http.post("/vendor/products", json={
        "title": "Maple Shelf", "handle": "maple-shelf", "status": "published",
        "variants": [{"title": "Shelf", "sku": "MAPLE-1", "prices": [{"currency_code": "EUR", "amount": 9000}],
                      "stocked_quantity": 100}]}, headers=vendor).json()
    return vendor, product["variants"][0]["id"], region


def register_company(page: Page, name: str, email: str) -> None:
    page.goto("/company-portal/register")
    page.get_by_label(re.compile(r"^First name")).fill("Ada")
    page.get_by_label(re.compile(r"^Last name")).fill("Lovelace")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Company name").fill(name)
    page.get_by_label("Tax id (VAT number)").fill("DE123456789")
    page.get_by_label("Contact first name").fill("Ada")
    page.get_by_label("Contact last name").fill("Lovelace")
    page.get_by_label("Street and number").fill("1 Analytical Street")
    page.get_by_label("Postal code").fill("10115")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Country code").fill("DE")
    page.get_by_role("button", name="Register company").click()


def approve_company(http: httpx.Client, admin: dict[str, str], name: str) -> str:
    companies = http.get("/admin/companies", headers=admin).json()["items"]
    company_id: str = next(c["id"] for c in companies if c["name"] == name)
    assert http.post(f"/admin/companies/{company_id}/approve", headers=admin).status_code == 200
    assert http.patch(f"/admin/companies/{company_id}", json={"credit_limit": 1_000_000},
                      headers=admin).status_code == 200
    return company_id


def invite(page: Page, email: str, role: str, limit: str = "") -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("First password").fill(PASSWORD)
    page.get_by_label("Role", exact=True).select_option(role)
    page.get_by_label("Spending limit per order (EUR)").fill(limit)
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text(f"{email} can now sign in as a company {role}.")).to_be_visible()


def test_a_company_from_registration_to_quotes(
    page: Page, browser: Browser, live_server: LiveServer, http: httpx.Client, shot: Callable[..., Any],
    database: Database, urls: DatabaseUrls, make_user: Callable[..., dict[str, Any]],
) -> None:
    admin_user = make_user(Role.admin)
    admin = token(http, admin_user["email"], admin_user["password"])
    vendor, variant_id, region_id = seller(http, database, admin)

    # Registration: the pending page, then the platform approves through the API.
    register_company(page, "Analytical Engines", "ada@engines.example")
    expect(page.get_by_role("heading", name="Your company is under review")).to_be_visible()
    shot(page, "pending")
    approve_company(http, admin, "Analytical Engines")
    page.goto("/company-portal")
    expect(page.get_by_role("heading", name="Analytical Engines")).to_be_visible()
    expect(page.locator("#card-credit-limit .stat-value")).to_have_text("€10,000.00")

    # Employees: a buyer limited to EUR 100.00 per order, and an approver; the last admin cannot leave.
    page.get_by_role("link", name="Employees").click()
    invite(page, "bob@engines.example", "buyer", "100.00")
    invite(page, "carol@engines.example", "approver")
    expect(page.locator("tr[id^=employee-]")).to_have_count(3)
    page.get_by_role("button", name="Leave the company").click()
    expect(page.get_by_role("alert")).to_contain_text("A company keeps at least one admin.")
    shot(page, "employees")

    # The buyer's order over the limit waits for an approver.
    bob = token(http, "bob@engines.example")
    cart = http.post("/store/carts", json={"region_id": region_id}, headers=bob).json()
    answer = http.post(f"/store/carts/{cart['id']}/line-items", json={"variant_id": variant_id, "quantity": 2},
                       headers=bob)
    assert answer.status_code in (200, 201), answer.text
    buyer_context = browser.new_context(base_url=live_server.url)
    buyer = buyer_context.new_page()
    sign_in(buyer, {"email": "bob@engines.example", "password": PASSWORD}, f"/company-portal/checkout/{cart['id']}")
    expect(buyer.get_by_role("heading", name="Checkout")).to_be_visible()
    buyer.get_by_role("button", name="Place order on the company's account").click()
    expect(buyer.get_by_text("Your order needs an approver")).to_be_visible()
    expect(buyer.locator("section[id^=approval-]")).to_contain_text("over your spending limit")
    expect(buyer.get_by_role("button", name="Approve")).to_have_count(0)  # a buyer cannot decide
    shot(buyer, "waiting")
    buyer_context.close()

    # The approver approves it in the queue, seeing the cart and the reasons.
    approver_context = browser.new_context(base_url=live_server.url)
    approver = approver_context.new_page()
    sign_in(approver, {"email": "carol@engines.example", "password": PASSWORD}, "/company-portal/approvals")
    request = approver.locator("section[id^=approval-]")
    expect(request).to_contain_text("Maple Shelf")
    expect(request).to_contain_text("over your spending limit")
    approver.get_by_label("Note").fill("Fine for the new office")
    approver.get_by_role("button", name="Approve").click()
    expect(approver.get_by_text("Approved: the order is placed.")).to_be_visible()
    shot(approver, "approved")
    approver_context.close()
    ada = token(http, "ada@engines.example")
    [order] = http.get("/store/company/orders", headers=ada).json()["items"]

    # After the dbt build the order is on the dashboard, with the mart's spend.
    stores = StoresResource(commerce_url=urls.commerce, content_url=urls.content)
    built = materialize([*DBT_ASSETS], resources={"stores": stores, "dbt": build_dbt_resource(stores)},
                        partition_key=daily.get_last_partition_key())
    assert built.success
    page.goto("/company-portal")
    expect(page.locator("#card-orders .stat-value")).to_have_text("1")
    expect(page.locator(f"#order-{order['id']}")).to_contain_text(format_money(order["total"], "EUR"))
    expect(page.locator("#card-credit-used .stat-value")).to_have_text(format_money(order["total"], "EUR"))
    expect(page.locator("#data-as-of")).to_contain_text("Spend data as of")
    expect(page.get_by_role("row", name=re.compile("EUR"))).to_contain_text(format_money(order["total"], "EUR"))
    expect(page.get_by_role("img", name="Net spend per month")).to_be_visible()
    shot(page, "dashboard")

    # A quote: requested on the page, answered through the API as the vendor, accepted and checked out.
    page.goto(f"/company-portal/quotes/new?variant_id={variant_id}")
    page.get_by_label("Item 1 quantity").fill("10")
    page.get_by_label("Message to the vendor").fill("Ten shelves for the library, please.")
    page.get_by_role("button", name="Request quote").click()
    expect(page.get_by_text("Quote requested: the vendor answers with prices.")).to_be_visible()
    quote_id = page.url.rsplit("/", 1)[1]
    quote = http.get(f"/vendor/quotes/{quote_id}", headers=vendor).json()
    answer = http.post(f"/vendor/quotes/{quote_id}/respond", json={
        "items": [{"item_id": quote["items"][0]["id"], "unit_price": 7500}], "expires_at": EXPIRES,
        "message": "Ten for the price of nine-ish."}, headers=vendor)
    assert answer.status_code == 200, answer.text
    page.reload()
    expect(page.locator("#quote-total")).to_have_text("€750.00")
    expect(page.get_by_text("Ten for the price of nine-ish.")).to_be_visible()
    shot(page, "quote")
    page.get_by_role("button", name="Accept and check out").click()
    expect(page.get_by_text("Quote accepted")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Maple Shelf"))).to_contain_text("€75.00")
    page.get_by_role("button", name="Place order on the company's account").click()
    expect(page.get_by_text(re.compile(r"Order #\d+ placed on Analytical Engines's account"))).to_be_visible()
    expect(page.locator("#card-orders .stat-value")).to_have_text("2")
    assert http.get(f"/store/quotes/{quote_id}", headers=ada).json()["status"] == "accepted"
    shot(page, "quote-ordered")


def test_another_companys_objects_are_not_found(
    page: Page, browser: Browser, live_server: LiveServer, http: httpx.Client, database: Database,
    make_user: Callable[..., dict[str, Any]], shot: Callable[..., Any],
) -> None:
    admin_user = make_user(Role.admin)
    admin = token(http, admin_user["email"], admin_user["password"])
    _, variant_id, region_id = seller(http, database, admin)
    register_company(page, "First Co", "first@example.com")
    approve_company(http, admin, "First Co")
    first = token(http, "first@example.com")
    quote = http.post("/store/quotes", json={"region_id": region_id, "items": [{"variant_id": variant_id,
                                                                                "quantity": 3}]}, headers=first)
    assert quote.status_code == 201, quote.text
    cart = http.post("/store/carts", json={"region_id": region_id}, headers=first).json()

    other = browser.new_context(base_url=live_server.url)
    second = other.new_page()
    register_company(second, "Second Co", "second@example.com")
    approve_company(http, admin, "Second Co")
    for path in (f"/company-portal/quotes/{quote.json()['id']}", f"/company-portal/checkout/{cart['id']}"):
        second.goto(path)
        expect(second.get_by_role("heading", name="Page not found")).to_be_visible()
    shot(second, "not-found")
    second.goto("/company-portal/employees")
    value = second.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    refused = second.request.post(f"/company-portal/quotes/{quote.json()['id']}/decline", form={"csrf_token": value})
    assert refused.status == 404
    assert http.get(f"/store/quotes/{quote.json()['id']}", headers=first).json()["status"] == "requested"
    other.close()
