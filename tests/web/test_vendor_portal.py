"""The vendor portal in Chromium: a vendor registers, is approved through the admin API, sets up its store
(branding, home page), adds a product with variants, a volume tier and an image, sees it in its store; a shopper
buys it on the storefront; the vendor fulfils the order, sees its data arrive on the content side, and after
the pipelines run (commission run and dbt build, materialised here once) the dashboard shows the sale and the
commission to the cent of the API's figures; then it requests a payout. A second test visits another vendor's
objects (404 pages) and checks that a suspended vendor is read-only."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from dagster import materialize
from PIL import Image
from playwright.sync_api import Browser, FilePayload, Page, expect
from sqlalchemy import select, text

from api.auth.models import Role
from api.carts import service as carts
from api.carts.schemas import ShippingOptionIn
from api.catalog.models import Product
from api.catalog.schemas import PriceIn
from api.clock import utcnow
from api.db import Database, DatabaseUrls, Domain
from api.orders.models import Order
from api.regions import service as regions
from api.regions.schemas import RegionIn
from api.sync import runner
from api.vendors.models import Vendor
from api.web.render import format_money
from assets.commissions.definitions import commission_run, daily
from assets.dbt import DBT_ASSETS
from orchestration.resources import StoresResource, build_dbt_resource
from tests.web.conftest import LiveServer, sign_in

PASSWORD = "a-long-vendor-password"


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), color).save(buffer, format="PNG")
    return buffer.getvalue()


DESK_IMAGE: FilePayload = {"name": "desk.png", "mimeType": "image/png", "buffer": png("#996633")}


def region_and_shipping(database: Database, vendor_id: str | None = None) -> None:
    with database.transaction(Domain.commerce) as session:
        if vendor_id is None:
            regions.create_region(session, RegionIn(name="Europe", currency_code="EUR", tax_rate=Decimal("0.2"),
                                                    countries=["DE", "FR"]))
        else:
            carts.create_shipping_option(session, ShippingOptionIn(
                vendor_id=vendor_id, name="Standard", prices=[PriceIn(currency_code="EUR", amount=500)]))


def api_token(http: httpx.Client, email: str, password: str) -> dict[str, str]:
    answer = http.post("/auth/token", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def register_vendor(page: Page, name: str, slug: str, email: str) -> None:
    page.goto("/vendor-portal/register", timeout=60_000)  # the browser's first page: a cold start on a busy machine
    page.get_by_label("Business name").fill(name)
    page.get_by_label("Store address (slug)").fill(slug)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Apply").click()


def vendor_id_of(database: Database, slug: str) -> str:
    with database.transaction(Domain.commerce) as session:
        found = session.scalar(select(Vendor.id).where(Vendor.slug == slug))
        assert found is not None
        return found


def backdate(database: Database, order_id: str) -> date:
    """Move an order (and its sale lines) one UTC day back, as if placed yesterday; that day."""
    with database.transaction(Domain.commerce) as session:
        for table, column in (("orders", "id"), ("vendor_orders", "order_id"), ("commission_lines", "order_id")):
            extra = " AND type = 'sale'" if table == "commission_lines" else ""
            session.execute(text(f"UPDATE commerce.{table} SET created_at = created_at - interval '1 day' "
                                 f"WHERE {column} = :id{extra}"), {"id": order_id})
        placed = session.scalar(text("SELECT created_at FROM commerce.orders WHERE id = :id"), {"id": order_id})
    return placed.astimezone(UTC).date()


def card(page: Page, card_id: str) -> str:
    return page.locator(f"#{card_id} .stat-value").inner_text()


def test_a_vendor_from_registration_to_payout(
    page: Page, browser: Browser, live_server: LiveServer, http: httpx.Client, shot: Callable[..., Any],
    database: Database, urls: DatabaseUrls, make_user: Callable[..., dict[str, Any]],
) -> None:
    region_and_shipping(database)
    admin = make_user(Role.admin)
    admin_api = api_token(http, admin["email"], admin["password"])

    # 1. Registration: a pending application, read-only until approved.
    register_vendor(page, "Birch & Co", "birch-co", "owner@birch.example")
    expect(page.get_by_role("heading", name="Your application is under review")).to_be_visible()
    expect(page.locator("#vendor-status")).to_have_text("pending")
    shot(page, "pending")
    vendor_id = vendor_id_of(database, "birch-co")
    page.goto("/vendor-portal/products/new")
    expect(page.get_by_role("button", name="Save product")).to_have_count(0)

    # 2. An admin approves it through the API; the sync creates its store (tenant) on the content side.
    assert http.post(f"/admin/vendors/{vendor_id}/approve", headers=admin_api).status_code == 200
    runner.sync_vendors(database, ids=[vendor_id])
    region_and_shipping(database, vendor_id)
    page.goto("/vendor-portal")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#data-as-of")).to_contain_text("not ready")
    shot(page, "dashboard-empty")

    # 3. Branding and a home page, through the content services.
    page.get_by_role("link", name="Storefront").click()
    page.get_by_label("Primary colour").fill("#1a7f37")
    page.get_by_label("Heading font").select_option("Merriweather")
    page.get_by_label("Tagline").fill("Birch furniture for offices")
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_text("Branding saved")).to_be_visible()
    page.get_by_label("New page title").fill("Home")
    page.get_by_label("Address (slug)").fill("home")
    page.get_by_role("button", name="Create page").click()
    expect(page.get_by_text("Page created as a draft")).to_be_visible()
    page.get_by_label("Add a block").select_option("hero")
    page.get_by_role("button", name="Add block").click()
    page.get_by_label("Heading", exact=True).fill("Birch that lasts")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: the page is live.")).to_be_visible()
    expect(page.get_by_role("button", name="Restore version 1")).to_be_visible()
    shot(page, "page-editor")

    # 4. A product with two variants, an image and content; a bad price first (inline error, nothing saved).
    page.get_by_role("link", name="Products").first.click()
    page.get_by_role("link", name="Add a product").first.click()
    page.get_by_label(re.compile(r"^Title")).fill("Birch Desk")
    page.get_by_label("Handle").fill("birch-desk")
    page.get_by_label("Option 1 name").fill("Size")
    page.get_by_label("Option 1 values").fill("Small, Large")
    for n, (size, price, stock) in enumerate((("Small", "120.00", "7"), ("Large", "abc", "4")), start=1):
        page.get_by_label(f"Variant {n} title").fill(f"{size} desk")
        page.get_by_label(f"Variant {n} SKU").fill(f"BIRCH-{size.upper()}")
        page.get_by_label(f"Variant {n} options").fill(f"Size={size}")
        page.get_by_label(f"Variant {n} stock").fill(stock)
        page.get_by_label(f"Variant {n} price EUR").fill(price)
    page.get_by_label("Upload an image").set_input_files(
        files=DESK_IMAGE)
    page.get_by_label("Image description (alt text)").fill("A birch desk")
    page.get_by_label("Long description").fill("Solid birch.\n\nMade in Finland.")
    page.get_by_label("Specifications").fill("[Size]\nWidth: 140 cm\nDepth: 70 cm")
    page.get_by_role("button", name="Save product").click()
    expect(page.locator("#f-variants\\.1\\.price\\.EUR-error")).to_be_visible()
    shot(page, "product-error")
    with database.transaction(Domain.commerce) as session:
        assert session.scalar(select(Product.id).where(Product.vendor_id == vendor_id)) is None
    page.get_by_label("Variant 2 price EUR").fill("150.00")
    page.get_by_label("Upload an image").set_input_files(
        files=DESK_IMAGE)
    page.get_by_label("Image description (alt text)").fill("A birch desk")
    page.get_by_role("button", name="Save product").click()
    expect(page.get_by_text("Product created.")).to_be_visible()
    expect(page.get_by_label("Long description")).to_have_value("Solid birch.\n\nMade in Finland.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: the product is in your store.")).to_be_visible()
    page.get_by_label("Variant", exact=True).select_option(label="BIRCH-SMALL (Small desk)")
    page.get_by_label("From quantity").fill("5")
    page.get_by_label("Unit price").fill("100.00")
    page.get_by_role("button", name="Add tier").click()
    expect(page.get_by_text("Volume tier added.")).to_be_visible()
    expect(page.locator("#tiers")).to_contain_text("€100.00")
    shot(page, "product")
    runner.sync_products(database)

    # 5. The store shows the product (its content and image from the content side).
    page.goto("/shop/birch-co/products/birch-desk")
    expect(page.get_by_role("heading", name="Birch Desk", exact=True)).to_be_visible()
    expect(page.get_by_text("Made in Finland.")).to_be_visible()
    shot(page, "store-product")

    # 6. A shopper buys it on the storefront.
    shopper = browser.new_context(base_url=live_server.url)
    buyer = shopper.new_page()
    buyer.goto("/shop/birch-co/products/birch-desk")
    buyer.get_by_label("Quantity").fill("2")
    buyer.get_by_role("button", name="Add to cart").click()
    buyer.get_by_role("link", name="Check out").click()
    buyer.get_by_label("Email").fill("buyer@example.com")
    buyer.get_by_label("First name").fill("Grace")
    buyer.get_by_label("Last name").fill("Hopper")
    buyer.locator("#f-address_1").fill("1 Harbour Street")
    buyer.get_by_label("Postal code").fill("10115")
    buyer.get_by_label("City").fill("Berlin")
    buyer.get_by_label("Country").select_option("DE")
    buyer.get_by_label(re.compile("Standard")).first.check()
    buyer.get_by_role("button", name="Place order").click()
    expect(buyer).to_have_url(re.compile(r"/orders/order_"))
    shopper.close()

    # 7. The vendor fulfils the order; its timeline and the content side follow.
    page.goto("/vendor-portal/orders?status=pending")
    expect(page.get_by_text("1 order", exact=True)).to_be_visible()
    page.locator("table a").first.click()
    expect(page.locator("#vo-status")).to_have_text("pending")
    page.get_by_role("button", name="Mark fulfilled").click()
    expect(page.locator("#f-carrier-error")).to_be_visible()
    page.get_by_label("Carrier").fill("DHL")
    page.get_by_label("Tracking number").fill("JD0001")
    page.get_by_role("button", name="Mark fulfilled").click()
    expect(page.get_by_text("Marked as fulfilled")).to_be_visible()
    expect(page.locator("#vo-status")).to_have_text("fulfilled")
    expect(page.locator("#timeline")).to_contain_text("Shipped with DHL, tracking JD0001.")
    shot(page, "order")
    runner.sync_orders(database)
    runner.sync_products(database)
    page.get_by_role("link", name="Sync health").click()
    expect(page.get_by_text("Everything shown has arrived.")).to_be_visible()
    expect(page.locator("tr[id^=sync-prod_]")).to_contain_text("synced")
    expect(page.locator("tr[id^=sync-order_]")).to_contain_text("synced")
    shot(page, "sync")

    # 8. The pipelines run: the order's day (moved to yesterday) gets its commission run, which finance
    # approves, and dbt builds the marts; the dashboard's figures are the API's, to the cent.
    stores = StoresResource(commerce_url=urls.commerce, content_url=urls.content)
    with database.transaction(Domain.commerce) as session:
        order_id = session.scalar(select(Order.id))
    assert http.post(f"/admin/orders/{order_id}/capture", headers=admin_api).status_code in (200, 409)
    day = backdate(database, str(order_id))
    assert materialize([commission_run], partition_key=day.isoformat(), resources={"stores": stores}).success
    finance_user = make_user(Role.finance)
    finance = api_token(http, finance_user["email"], finance_user["password"])
    [run] = http.get("/admin/commissions/runs", params={"from": day.isoformat(), "to": day.isoformat()},
                     headers=finance).json()["items"]
    approved = http.post(f"/admin/commissions/runs/{run['id']}/approve", headers=finance)
    assert approved.status_code == 200, approved.text
    built = materialize([*DBT_ASSETS], resources={"stores": stores, "dbt": build_dbt_resource(stores)},
                        partition_key=daily.get_last_partition_key())
    assert built.success
    today = utcnow().date()
    page.goto("/vendor-portal")
    page.get_by_label("From", exact=True).fill((today - timedelta(days=6)).isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#data-as-of")).to_contain_text("Sales data as of")
    vendor_api = api_token(http, "owner@birch.example", PASSWORD)
    stats = http.get("/vendor/analytics", params={"from": (today - timedelta(days=6)).isoformat(),
                                                  "to": today.isoformat()}, headers=vendor_api).json()
    [totals] = stats["totals"]
    assert totals["gross_sales"] == 24_000 and totals["commission"] > 0
    assert card(page, "card-sales") == format_money(totals["gross_sales"], "EUR")
    assert card(page, "card-commission") == format_money(totals["commission"], "EUR")
    assert card(page, "card-earnings") == format_money(totals["earnings"], "EUR")
    assert card(page, "card-net") == format_money(totals["net_sales"], "EUR")
    expect(page.locator("#card-waiting .stat-value")).to_have_text("0")
    expect(page.locator("#card-products .stat-value")).to_have_text("1")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_role("img", name="Top products by gross sales")).to_contain_text("Birch Desk")
    shot(page, "dashboard")

    # 9. Commissions and a payout request (the API's rules: a minimum, at most what is available).
    page.get_by_role("link", name="Commissions").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Payouts").click()
    balance = http.get("/vendor/payouts/balance", headers=vendor_api).json()
    available = balance.get("available", balance.get("balance"))
    assert card(page, "balance-available") == format_money(available, "EUR")
    page.get_by_label("Amount (EUR)").fill("1.00")
    page.get_by_role("button", name="Request payout").click()
    expect(page.locator("#f-amount-error")).to_contain_text("minimum")
    page.get_by_label("Amount (EUR)").fill("50.00")
    page.get_by_role("button", name="Request payout").click()
    expect(page.get_by_text("Payout requested")).to_be_visible()
    expect(page.locator("table tbody tr").first).to_contain_text("requested")
    payouts = http.get("/vendor/payouts", headers=vendor_api).json()["items"]
    assert [(p["amount"], p["status"]) for p in payouts] == [(5000, "requested")]
    shot(page, "payouts")


def test_other_vendors_objects_are_not_found_and_suspended_vendors_are_read_only(
    page: Page, http: httpx.Client, shot: Callable[..., Any], database: Database,
    make_user: Callable[..., dict[str, Any]],
) -> None:
    region_and_shipping(database)
    admin_api = api_token(http, *(lambda u: (u["email"], u["password"]))(make_user(Role.admin)))
    ids: dict[str, str] = {}
    for slug in ("alder", "rowan"):
        answer = http.post("/store/vendors/register", json={
            "name": slug.title(), "slug": slug, "email": f"{slug}@example.com", "password": PASSWORD,
            "default_currency": "EUR"}, headers=admin_api)
        assert answer.status_code == 201, answer.text
        ids[slug] = answer.json()["vendor"]["id"]
        assert http.post(f"/admin/vendors/{ids[slug]}/approve", headers=admin_api).status_code == 200
    runner.sync_vendors(database)
    rowan = api_token(http, "rowan@example.com", PASSWORD)
    product = http.post("/vendor/products", json={
        "title": "Rowan Stool", "handle": "rowan-stool", "status": "published",
        "variants": [{"title": "Stool", "sku": "ROWAN-1", "prices": [{"currency_code": "EUR", "amount": 9000}],
                      "stocked_quantity": 5}]}, headers=rowan).json()
    page_doc = http.post("/api/pages", json={"title": "About", "slug": "about"}, headers=rowan).json()
    post = http.post("/api/blogs", json={"title": "News", "slug": "news", "content": {
        "type": "root", "children": [{"type": "paragraph", "children": [{"type": "text", "text": "Hi"}]}]}},
        headers=rowan).json()

    sign_in(page, {"email": "alder@example.com", "password": PASSWORD}, "/vendor-portal")
    for path in (f"/vendor-portal/products/{product['id']}", "/vendor-portal/orders/vo_doesnotexist1",
                 f"/vendor-portal/storefront/pages/{page_doc['id']}", f"/vendor-portal/storefront/posts/{post['id']}"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    shot(page, "not-found")
    # A form posted at another vendor's product changes nothing: the 404 page.
    page.goto("/vendor-portal/products/new")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = page.request.post(f"/vendor-portal/products/{product['id']}/unpublish", form={"csrf_token": token or ""})
    assert refused.status == 404
    assert http.get(f"/vendor/products/{product['id']}", headers=rowan).json()["status"] == "published"

    # Suspended: the dashboard says why, the forms are gone, a write answers 409.
    assert http.post(f"/admin/vendors/{ids['alder']}/suspend", json={"reason": "Unpaid fees"},
                     headers=admin_api).status_code == 200
    page.goto("/vendor-portal")
    expect(page.get_by_role("heading", name="Your account is suspended")).to_be_visible()
    expect(page.locator("#status-reason")).to_contain_text("Unpaid fees")
    page.goto("/vendor-portal/storefront")
    expect(page.get_by_text("Read-only: your vendor account is suspended.")).to_be_visible()
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = page.request.post("/vendor-portal/storefront/pages", form={"csrf_token": token or "", "title": "X",
                                                                          "slug": "x"})
    assert refused.status == 409
    shot(page, "suspended")
