"""Storefront rules: page totals are the API's, content published through the content API shows and drafts do
not, tenants never see each other's unpublished content, suspended stores are gone, scheduled pages appear at
their time with their event, stock that runs out is explained on the cart page, tenant domains, SEO tags,
branding contrast, phone layout and labels."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from api.auth.models import Role
from api.catalog.models import Product
from api.clock import utcnow
from api.commerce_seed import category_id
from api.config import Settings
from api.content import scheduling
from api.db import Database, Domain
from api.inventory import service as inventory
from api.outbox.models import ContentOutboxEvent
from api.seed import seed_foundation
from api.vendors.models import Vendor
from api.web.render import format_money
from api.web.storefront.theme import WHITE, contrast
from tests.web.conftest import LiveServer
from tests.web.storefront_data import Marketplace


def _cart_id(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "mp_cart")


def _add(page: Page, store: str, handle: str, quantity: int, variant: str | None = None) -> None:
    page.goto(f"/shop/{store}/products/{handle}")
    if variant:
        page.get_by_label(re.compile(variant)).check()
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()


def test_cart_page_totals_are_the_apis(page: Page, shot: Callable[..., Any], market: Marketplace,
                                       client: TestClient, publishable_key: str) -> None:
    _add(page, "nordic-oak", "oak-chair", 12, "Oak Chair Small")
    _add(page, "lumen-works", "desk-lamp", 3)
    cart_id = _cart_id(page)
    api = {"x-publishable-api-key": publishable_key}
    # Shipping chosen through the API: the page shows the same cart, priced by the same service.
    for slug in ("nordic-oak", "lumen-works"):
        answer = client.post(f"/store/carts/{cart_id}/shipping-methods", json={"option_id": market.shipping[slug]},
                             headers=api)
        assert answer.status_code == 200, answer.text
    cart = client.get(f"/store/carts/{cart_id}", headers=api).json()
    assert cart["tax_total"] > 0 and cart["shipping_total"] == 980
    page.goto("/shop/nordic-oak/cart")
    shot(page, "cart")
    for test_id, key in (("cart-subtotal", "subtotal"), ("cart-shipping", "shipping_total"),
                         ("cart-tax", "tax_total"), ("cart-total", "total")):
        expect(page.get_by_test_id(test_id)).to_have_text(format_money(cart[key], "EUR"))
    for vendor in cart["vendors"]:
        part = page.locator(".vendor-part").filter(has=page.get_by_role("heading", name=vendor["vendor_name"]))
        expect(part.get_by_test_id("vendor-subtotal")).to_have_text(format_money(vendor["subtotal"], "EUR"))
        expect(part.locator("dd.total")).to_have_text(format_money(vendor["total"], "EUR"))
    # 12 chairs pay the 10-49 tier on the page as in the API.
    line = next(i for i in cart["items"] if i["sku"] == "CHAIR-S")
    assert line["unit_price"] == 10800
    expect(page.get_by_role("row", name=re.compile("Oak Chair"))).to_contain_text(format_money(10800, "EUR"))


def _vendor_token(client: TestClient, make_user: Any, vendor_id: str) -> dict[str, str]:
    user = make_user(Role.vendor, vendor_id=vendor_id)
    answer = client.post("/auth/token", json={"email": user["email"], "password": user["password"]})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_page_published_through_the_content_api_shows_and_a_draft_does_not(
    page: Page, shot: Callable[..., Any], market: Marketplace, client: TestClient, make_user: Any
) -> None:
    vendor = _vendor_token(client, make_user, market.stores["nordic-oak"].vendor_id)
    created = client.post("/api/pages", headers=vendor, json={
        "title": "Winter sale", "slug": "winter-sale", "seoDescription": "Oak for less this winter.",
        "blocks": [{"blockType": "hero", "heading": "Winter sale"},
                   {"blockType": "richText", "content": {"type": "root", "children": [
                       {"type": "paragraph", "children": [{"type": "text", "text": "Twenty percent off."}]}]}}]})
    assert created.status_code == 201, created.text
    page_id = created.json()["doc"]["id"]
    page.goto("/shop/nordic-oak/winter-sale")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    shot(page, "draft-invisible")

    assert client.post(f"/api/pages/{page_id}/publish", headers=vendor).status_code == 200
    page.goto("/shop/nordic-oak/winter-sale")
    expect(page.get_by_role("heading", name="Winter sale")).to_be_visible()
    expect(page.get_by_text("Twenty percent off.")).to_be_visible()
    expect(page.locator("meta[property='og:description']")).to_have_attribute("content", "Oak for less this winter.")
    shot(page, "published")

    # A new draft of the live page stays invisible until it is published.
    assert client.patch(f"/api/pages/{page_id}", headers=vendor, json={"blocks": [
        {"blockType": "hero", "heading": "Secret spring prices"}]}).status_code == 200
    page.reload()
    expect(page.get_by_role("heading", name="Winter sale")).to_be_visible()
    expect(page.get_by_text("Secret spring prices")).to_have_count(0)


def test_a_scheduled_page_and_post_appear_at_their_time_with_their_events(
    http: httpx.Client, market: Marketplace, client: TestClient, make_user: Any, database: Any
) -> None:
    vendor = _vendor_token(client, make_user, market.stores["nordic-oak"].vendor_id)
    created = client.post("/api/pages", headers=vendor, json={
        "title": "Launch", "slug": "launch", "blocks": [{"blockType": "hero", "heading": "We launched"}]}).json()["doc"]
    at = utcnow() + timedelta(hours=1)
    scheduled = client.post(f"/api/pages/{created['id']}/publish", headers=vendor, json={"publishAt": at.isoformat()})
    assert scheduled.status_code == 200 and scheduled.json()["publishAt"] is not None
    post = client.post("/api/blogs", headers=vendor, json={
        "title": "Launch notes", "slug": "launch-notes", "status": "published", "publishAt": at.isoformat(),
        "content": {"type": "root", "children": [{"type": "paragraph", "children": [{"type": "text", "text": "x"}]}]},
    })
    assert post.status_code == 201 and post.json()["doc"]["status"] == "scheduled", post.text

    def events(topic: str) -> int:
        with database.transaction(Domain.content) as session:
            return session.scalar(select(func.count()).select_from(ContentOutboxEvent).where(
                ContentOutboxEvent.topic == topic)) or 0

    pages_before, posts_before = events("page.published"), events("post.published")
    assert scheduling.publish_due(database).pages == []  # not yet due: nothing changes
    assert http.get("/shop/nordic-oak/launch").status_code == 404
    assert "Launch notes" not in http.get("/shop/nordic-oak/blog").text
    assert events("page.published") == pages_before

    done = scheduling.publish_due(database, now=at + timedelta(seconds=1))
    assert done.pages == [created["id"]] and done.posts == [post.json()["doc"]["id"]]
    assert events("page.published") == pages_before + 1  # the sync and webhooks fire now
    assert events("post.published") == posts_before + 1
    assert "We launched" in http.get("/shop/nordic-oak/launch").text
    assert "Launch notes" in http.get("/shop/nordic-oak/blog").text
    assert scheduling.publish_due(database, now=at + timedelta(minutes=5)).pages == []  # exactly once


def test_tenants_never_see_each_others_unpublished_content(
    http: httpx.Client, page: Page, shot: Callable[..., Any], market: Marketplace
) -> None:
    not_found = [
        "/shop/lumen-works/unreleased",        # B's draft page, in B's own store
        "/shop/nordic-oak/unreleased",         # ... and through A's store
        "/shop/nordic-oak/products/desk-lamp",  # B's product is not A's
        "/shop/nordic-oak/products/secret-prototype",  # a draft product
        "/shop/nordic-oak/blog/draft-thoughts",  # a draft post
        "/shop/shady-co",                      # a suspended store
        "/shop/shady-co/products/shady-lantern",
        "/shop/shady-co/theme.css",
        "/shop/no-such-store",
    ]
    for path in not_found:
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert "Top secret" not in answer.text and "Shady Lantern" not in answer.text
    listing = http.get("/shop/nordic-oak/products").text
    assert "Desk Lamp" not in listing and "Secret Prototype" not in listing and "Oak Chair" in listing
    assert "Draft thoughts" not in http.get("/shop/nordic-oak/blog").text
    assert "shady-co" not in http.get("/").text
    sitemap = http.get("/shop/nordic-oak/sitemap.xml").text
    assert "secret-prototype" not in sitemap and "draft-thoughts" not in sitemap and "desk-lamp" not in sitemap
    assert http.get("/shop/shady-co/cart").status_code == 404
    # The switcher lists active stores only.
    page.goto("/shop/lumen-works")
    switcher = page.locator(".switcher")
    expect(switcher.get_by_role("link", name="Shady Co")).to_have_count(0)
    page.goto("/shop/shady-co")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text("Request id:")).to_be_visible()
    shot(page, "suspended-store")


def test_stock_that_runs_out_during_checkout_is_explained_on_the_cart_page(
    page: Page, shot: Callable[..., Any], market: Marketplace, database: Any
) -> None:
    _add(page, "nordic-oak", "oak-chair", 3, "Oak Chair Large")
    page.goto("/shop/nordic-oak/checkout")
    page.get_by_label("Email").fill("buyer@example.com")
    page.get_by_label("First name").fill("Alan")
    page.get_by_label("Last name").fill("Turing")
    page.locator("#f-address_1").fill("2 Bletchley Road")
    page.get_by_label("Postal code").fill("75001")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Country").select_option("FR")
    # Meanwhile, someone else buys two of the three.
    with database.transaction(Domain.commerce) as session:
        inventory.set_stocked(session, market.stores["nordic-oak"].variants["CHAIR-L"], 1)
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/shop/nordic-oak/cart$"))
    expect(page.get_by_text("Some items just sold out.")).to_be_visible()
    expect(page.get_by_test_id("stock-message")).to_have_text("Only 1 left: lower the quantity.")
    expect(page.get_by_role("button", name="Check out")).to_be_disabled()
    shot(page, "sold-out")
    page.get_by_label("Quantity of Oak Chair").fill("1")
    page.get_by_role("row", name=re.compile("Oak Chair")).get_by_role("button", name="Update").click()
    expect(page.get_by_test_id("stock-message")).to_have_count(0)
    expect(page.get_by_role("link", name="Check out")).to_be_visible()


def test_a_tenant_domain_serves_its_store_at_the_root_with_seo_tags(
    live_server: LiveServer, market: Marketplace
) -> None:
    host = {"host": "nordic-oak.shop.example.com"}
    with httpx.Client(base_url=live_server.url, headers=host, timeout=30) as shop:
        home = shop.get("/")
        assert home.status_code == 200 and "Furniture that lasts" in home.text
        assert 'href="/products"' in home.text and "/shop/nordic-oak/products" not in home.text
        assert '<link rel="canonical" href="http://nordic-oak.shop.example.com">' in home.text
        product = shop.get("/products/oak-chair")
        assert product.status_code == 200
        assert '<meta property="og:type" content="product">' in product.text
        assert '<meta property="og:title" content="Oak Chair">' in product.text
        assert re.search(r'<meta property="og:image" content="http://nordic-oak\.shop\.example\.com/media/med_\w+/card">',
                         product.text)
        assert '<link rel="canonical" href="http://nordic-oak.shop.example.com/products/oak-chair">' in product.text
        robots = shop.get("/robots.txt").text
        assert "Sitemap: http://nordic-oak.shop.example.com/sitemap.xml" in robots and "Disallow: /checkout" in robots
        urls = [e.text for e in ElementTree.fromstring(shop.get("/sitemap.xml").content).iter(
            "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
        assert "http://nordic-oak.shop.example.com/products/oak-chair" in urls
        assert "http://nordic-oak.shop.example.com/about" in urls
        assert "http://nordic-oak.shop.example.com/blog/caring-for-oak" in urls
        # The rest of the app is not the store's: the API and sign-in answer as on any host.
        assert shop.get("/health").json() == {"status": "ok"}
        assert shop.get("/login").status_code == 200
        assert shop.get("/desk-lamp").status_code == 404
    # A suspended tenant's domain serves no store.
    with httpx.Client(base_url=live_server.url, headers={"host": "shady-co.shop.example.com"}) as gone:
        assert "Shady" not in gone.get("/").text
    sitemap_index = httpx.get(live_server.url + "/sitemap.xml").text
    assert "/shop/nordic-oak/sitemap.xml" in sitemap_index and "shady-co" not in sitemap_index
    assert "Sitemap:" in httpx.get(live_server.url + "/robots.txt").text


def test_branding_keeps_text_contrast_and_changes_show_on_the_next_load(
    http: httpx.Client, market: Marketplace, client: TestClient, make_user: Any
) -> None:
    css = http.get("/shop/lumen-works/theme.css").text  # its primary colour, #ffee58, is far too light
    brand = re.search(r"--brand: (#[0-9a-f]{6})", css)
    assert brand is not None and brand.group(1) != "#ffee58"
    assert contrast(brand.group(1), WHITE) >= 4.5
    home = http.get("/shop/nordic-oak").text
    theme_url = re.search(r'href="(/shop/nordic-oak/theme\.css\?v=\d+)"', home)
    assert theme_url is not None
    assert "--brand: #1a7f37" in http.get(theme_url.group(1)).text  # dark enough: kept as it is

    vendor = _vendor_token(client, make_user, market.stores["nordic-oak"].vendor_id)
    tenant_id = market.stores["nordic-oak"].tenant_id
    changed = client.patch(f"/api/tenants/{tenant_id}", headers=vendor, json={
        "branding": {"primaryColor": "#8250df", "secondaryColor": "#fff8c5", "headingFont": "Inter"}})
    assert changed.status_code == 200, changed.text
    home = http.get("/shop/nordic-oak").text
    new_url = re.search(r'href="(/shop/nordic-oak/theme\.css\?v=\d+)"', home)
    assert new_url is not None and new_url.group(1) != theme_url.group(1)  # the browser fetches the new theme
    new_css = http.get(new_url.group(1)).text
    assert "--brand: #8250df" in new_css and "--accent: #fff8c5" in new_css and '"Inter"' in new_css


def test_phone_layout_keyboard_and_labels(browser: Browser, live_server: LiveServer, market: Marketplace,
                                          shot: Callable[..., Any]) -> None:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        for path in ("/", "/shop/nordic-oak", "/shop/nordic-oak/products", "/shop/nordic-oak/products/oak-chair"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
            unlabeled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
                .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.name)""")
            assert unlabeled == [], (path, unlabeled)
            shot(page, "phone-" + (path.strip("/").replace("/", "-") or "landing"))
        page.goto("/shop/nordic-oak")
        nav = page.locator("#site-nav")
        expect(nav).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        expect(nav.get_by_role("link", name="Products")).to_be_visible()
        shot(page, "phone-menu-open")
        # The keyboard reaches the skip link first, and focus is visible.
        page.keyboard.press("Tab")
        page.goto("/shop/nordic-oak")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    finally:
        context.close()


def test_the_region_picker_prices_the_store_in_the_regions_currency(http: httpx.Client, market: Marketplace) -> None:
    listing = http.get("/shop/nordic-oak/products")
    assert "From €120.00" in listing.text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', listing.text)
    assert token is not None
    unknown = http.post("/shop/nordic-oak/region", data={"region_id": "reg_nope", "csrf_token": token.group(1),
                                                         "back": "/shop/nordic-oak/products"})
    assert unknown.status_code == 303 and "mp_region" not in unknown.headers.get("set-cookie", "")
    chosen = http.post("/shop/nordic-oak/region", data={"region_id": market.usd, "csrf_token": token.group(1),
                                                        "back": "https://evil.example/"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/shop/nordic-oak/products"
    listing = http.get("/shop/nordic-oak/products")
    assert "From $130.00" in listing.text and "€" not in listing.text.split("<main", 1)[1]
    assert "$165.00" in http.get("/shop/nordic-oak/products/oak-chair").text  # the large chair in USD
    # A price range is read in the region's currency: $140-$200 keeps the chair (from $130 to $165) only.
    filtered = http.get("/shop/nordic-oak/products", params={"min_price": "140", "max_price": "200"}).text
    assert "Oak Chair" in filtered and "Pine Table" not in filtered
    bad = http.get("/shop/nordic-oak/products", params={"min_price": "ten"})
    assert bad.status_code == 200 and "Enter a number" in bad.text


def test_the_demo_stores_category_filter_finds_their_products(http: httpx.Client, database: Database,
                                                               settings: Settings) -> None:
    """The demo's catalog links its products to the categories of the content tree the filter offers: a store's
    own category finds its products, and so does the parent above it."""
    seed_foundation(database, settings, lambda _: None)
    listing = http.get("/shop/brew-supply/products").text
    offered = dict(re.findall(r'<option value="(cat_[a-z0-9_]+)"[^>]*>([^<]+)</option>', listing))
    assert category_id("Coffee") in offered and category_id("Kitchen") in offered
    with database.transaction(Domain.commerce) as session:
        handles = set(session.scalars(select(Product.handle).join(Vendor, Vendor.id == Product.vendor_id)
                                      .where(Vendor.slug == "brew-supply", Product.status == "published")))
    assert handles
    for chosen in (category_id("Coffee"), category_id("Kitchen")):
        page = http.get("/shop/brew-supply/products", params={"category": chosen}).text
        shown = set(re.findall(r'href="/shop/brew-supply/products/([a-z0-9-]+)"', page))
        assert shown and shown <= handles, chosen
    lighting = http.get("/shop/brew-supply/products", params={"category": category_id("Lighting")}).text
    assert not re.findall(r'href="/shop/brew-supply/products/([a-z0-9-]+)"', lighting)
