"""A shopper's walk through the storefront in Chromium: the tenant list, a branded store and its home blocks,
search and filters, a product with content and volume tiers, items from two vendors, checkout with the manual
provider, the confirmation and the order in the account."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from api.db import Domain
from api.orders.models import Order
from tests.web.storefront_data import Marketplace


def test_a_shopper_buys_from_two_vendors(page: Page, shot: Callable[..., Any], market: Marketplace,
                                         database: Any) -> None:
    # The marketplace's landing page lists the active stores only.
    page.goto("/")
    stores = page.locator("#stores")
    expect(stores.get_by_role("link", name=re.compile("Nordic Oak"))).to_be_visible()
    expect(stores.get_by_role("link", name=re.compile("Lumen Works"))).to_be_visible()
    expect(stores.get_by_text("Shady Co")).to_have_count(0)
    shot(page, "landing")

    # A shopper account first, so the order shows in the account later.
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create a shopper account").click()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/$"))
    shot(page, "registered")

    # The store: its branding, title and every block type of its CMS home page.
    stores.get_by_role("link", name=re.compile("Nordic Oak")).click()
    expect(page).to_have_url(re.compile(r"/shop/nordic-oak$"))
    expect(page).to_have_title("Nordic Oak furniture · Nordic Oak")
    page.wait_for_load_state("load")  # the store's theme.css applied (a kept page can answer before it loads)
    brand = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert brand == "rgb(26, 127, 55)"  # #1a7f37, the tenant's primary colour
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily").startswith("Merriweather")
    expect(page.locator("meta[name=description]")).to_have_attribute("content", "Solid oak furniture for offices.")
    expect(page.locator(".brand img")).to_be_visible()
    expect(page.get_by_role("heading", name="Furniture that lasts")).to_be_visible()
    expect(page.locator(".rich-text strong")).to_have_text("in Sweden")
    grid = page.locator(".product-grid")
    expect(grid.get_by_role("heading", name="Bestsellers")).to_be_visible()
    expect(grid.get_by_role("link", name="Oak Chair")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a quote")).to_have_attribute("href", "/shop/nordic-oak/about")
    expect(page.locator("figure figcaption")).to_have_text("Our workshop in spring")
    expect(page.locator("figure img")).to_have_attribute("alt", "The Nordic Oak workshop")
    page.get_by_text("Do you deliver abroad?").click()
    expect(page.get_by_text("Across the EU within a week.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="About us")).to_be_visible()
    shot(page, "store-home")

    # Search, then filter by category and price range.
    page.get_by_role("search").get_by_label("Search Nordic Oak").fill("chair")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Results for “chair”")).to_be_visible()
    expect(page.locator(".card h3")).to_have_text(["Oak Chair"])
    shot(page, "search")
    page.get_by_role("link", name="Clear").click()
    expect(page.locator(".card h3")).to_have_count(2)
    page.get_by_label("Category").select_option(label="Furniture")
    page.get_by_label("From").fill("200")
    page.get_by_label("To").fill("400")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".card h3")).to_have_text(["Pine Table"])
    expect(page.get_by_text("1 product", exact=True)).to_be_visible()
    shot(page, "filtered")
    page.get_by_label("Sort by").select_option("price")
    page.get_by_label("From").fill("")
    page.get_by_label("To").fill("")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".card h3")).to_have_text(["Oak Chair", "Pine Table"])

    # The product: commerce data, content (description, specs, image) and the volume tiers.
    page.locator(".card").get_by_role("link", name="Oak Chair").click()
    expect(page).to_have_url(re.compile(r"/shop/nordic-oak/products/oak-chair$"))
    expect(page.get_by_role("heading", name="Oak Chair", exact=True)).to_be_visible()
    expect(page.get_by_text("Hand-finished oak, oiled twice")).to_be_visible()
    expect(page.get_by_role("row", name="Seat height 46 cm")).to_be_visible()
    expect(page.locator(".gallery img").first).to_have_attribute("alt", "An oak chair in a bright office")
    expect(page.get_by_text("Only 3 left")).to_be_visible()
    tiers = page.locator("table", has=page.get_by_text("Oak Chair Small"))
    expect(tiers.get_by_role("row")).to_have_count(4)  # header, list price, two tiers
    expect(tiers.get_by_role("row", name=re.compile(r"^10\u201349"))).to_contain_text("€108.00")
    expect(tiers.get_by_role("row", name=re.compile(r"^10\u201349"))).to_contain_text("€12.00 (10.00%)")
    expect(tiers.get_by_role("row", name=re.compile(r"^50\+"))).to_contain_text("€96.00")
    page.get_by_label("Quantity").fill("10")
    expect(page.locator("#tier-price")).to_have_text("€108.00 each (volume price)")
    shot(page, "product")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/shop/nordic-oak/cart$"))
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Oak Chair"))).to_contain_text("€108.00")

    # Another vendor's store through the tenant switcher, and a second item.
    page.get_by_text("Stores", exact=True).click()
    page.locator(".switcher").get_by_role("link", name="Lumen Works").click()
    expect(page).to_have_title(re.compile("Lumen Works"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    page.get_by_role("link", name="Desk Lamp").click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    parts = page.locator(".vendor-part h2")
    expect(parts).to_have_count(2)
    assert sorted(parts.all_inner_texts()) == ["Lumen Works", "Nordic Oak"]
    expect(page.get_by_test_id("cart-count")).to_have_text("12")
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("€1,170.00")  # 10 x 108 + 2 x 45
    shot(page, "cart")

    # Change a quantity and remove nothing: the tier price follows the quantity.
    page.get_by_label("Quantity of Oak Chair").fill("9")
    page.get_by_role("row", name=re.compile("Oak Chair")).get_by_role("button", name="Update").click()
    expect(page.get_by_text("Quantity updated.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Oak Chair"))).to_contain_text("€120.00")
    page.get_by_label("Quantity of Oak Chair").fill("10")
    page.get_by_role("row", name=re.compile("Oak Chair")).get_by_role("button", name="Update").click()
    expect(page.get_by_test_id("cart-subtotal")).to_have_text("€1,170.00")

    # Checkout: email, address, a shipping option per vendor, the manual provider.
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_label("Email")).to_have_value("grace@example.com")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct")
    expect(page.locator("#f-first_name-error")).to_be_visible()
    shot(page, "checkout-errors")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.locator("#f-address_1").fill("1 Harbour Street")
    page.get_by_label("Postal code").fill("10115")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Express · €12.90").first.check()
    shot(page, "checkout")
    page.get_by_role("button", name="Place order").click()

    # The confirmation: the order number and each vendor's part.
    expect(page).to_have_url(re.compile(r"/shop/lumen-works/orders/order_"))
    number = page.get_by_test_id("order-number").inner_text()
    expect(page.locator(".vendor-part h2")).to_have_count(2)
    expect(page.locator(".vendor-part").filter(has_text="Nordic Oak")).to_contain_text("10")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")
    shot(page, "confirmation")
    order_id = page.url.rsplit("/", 1)[1]
    with database.transaction(Domain.commerce) as session:
        order = session.get(Order, order_id)
        assert order is not None and order.email == "grace@example.com"
        total = order.subtotal + order.shipping_total + order.tax_total
        assert order.total == total
    expect(page.get_by_test_id("order-total")).to_have_text(f"€{total / 100:,.2f}")

    # The order in the shopper's account, and its detail page.
    page.goto("/account")
    expect(page.get_by_role("link", name=number)).to_be_visible()
    shot(page, "account")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=f"Order {number}")).to_be_visible()
    expect(page.locator(".vendor-part h2")).to_have_count(2)
    shot(page, "account-order")
