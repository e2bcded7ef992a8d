"""Bad input gets a problem-details 4xx and changes nothing; no input reaches a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.commerce.conftest import ADDRESS, Shop


@pytest.fixture
def world(shop: Shop) -> dict[str, Any]:
    vendor = shop.vendor()
    shop.shipping_option(vendor["id"], {"EUR": 500})
    product = shop.product(vendor["id"], prices={"EUR": 1000}, stock=3)
    usd_only = shop.product(vendor["id"], prices={"USD": 1000})
    draft = shop.product(vendor["id"], status="draft")
    cart = shop.ready_cart([(product["variants"][0]["id"], 1)])
    return {
        "vendor": vendor["id"],
        "variant": product["variants"][0]["id"],
        "usd_variant": usd_only["variants"][0]["id"],
        "draft_variant": draft["variants"][0]["id"],
        "product": product["id"],
        "cart": cart["id"],
        "line": cart["items"][0]["id"],
    }


# (method, path, json body, status) with {placeholders} filled from `world`; "ADMIN" in the path = admin headers.
CASES: list[tuple[str, str, Any, int]] = [
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "var_doesnotexist", "quantity": 1}, 422),
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "{draft_variant}", "quantity": 1}, 422),
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "{variant}", "quantity": 0}, 422),
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "{variant}", "quantity": -2}, 422),
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "{variant}", "quantity": 10_001}, 422),
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "{variant}", "quantity": 3}, 409),  # 1 + 3 > 3
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "{usd_variant}", "quantity": 1}, 422),  # wrong currency
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "prod_123", "quantity": 1}, 422),  # malformed id
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": 12, "quantity": 1}, 422),
    ("POST", "/store/carts/{cart}/line-items", {"quantity": 1}, 422),  # missing field
    ("POST", "/store/carts/{cart}/line-items", {"variant_id": "{variant}", "quantity": 1, "price": 1}, 422),
    ("POST", "/store/carts/{cart}/line-items", "not json", 422),
    ("POST", "/store/carts/{cart}/line-items", [1, 2], 422),
    ("POST", "/store/carts/cart_unknown/line-items", {"variant_id": "{variant}", "quantity": 1}, 404),
    ("POST", "/store/carts/not-a-cart/line-items", {"variant_id": "{variant}", "quantity": 1}, 422),
    ("POST", "/store/carts/{cart}/line-items/{line}", {"quantity": 0}, 422),
    ("POST", "/store/carts/{cart}/line-items/{line}", {"quantity": 4}, 409),
    ("POST", "/store/carts/{cart}/line-items/item_unknown", {"quantity": 1}, 404),
    ("DELETE", "/store/carts/{cart}/line-items/item_unknown", None, 404),
    ("POST", "/store/carts/{cart}", {"shipping_address": {**ADDRESS, "country_code": "US"}}, 422),
    ("POST", "/store/carts/{cart}", {"shipping_address": {**ADDRESS, "country_code": "de"}}, 422),
    ("POST", "/store/carts/{cart}", {"email": "not-an-email"}, 422),
    ("POST", "/store/carts/{cart}/shipping-methods", {"option_id": "so_unknown"}, 422),
    ("POST", "/store/carts", {"region_id": "reg_unknown"}, 422),
    ("POST", "/store/carts", {}, 422),
    ("GET", "/store/products?currency_code=eur", None, 422),
    ("GET", "/store/products?currency_code=XXX", None, 422),
    ("GET", "/store/products?price_min=100", None, 422),  # a price filter needs a currency
    ("GET", "/store/products?sort=price", None, 422),
    ("GET", "/store/products?price_min=-1&currency_code=EUR", None, 422),
    ("GET", "/store/products?limit=0", None, 422),
    ("GET", "/store/products?region_id=reg_unknown", None, 422),
    ("GET", "/store/products/prod_unknown", None, 404),
    ("ADMIN POST", "/admin/products", {"vendor_id": "{vendor}", "title": "X", "handle": "Bad Handle"}, 422),
    ("ADMIN POST", "/admin/products", {"vendor_id": "vend_unknown", "title": "X", "handle": "x"}, 422),
    ("ADMIN POST", "/admin/products", {"vendor_id": "{vendor}", "title": "X", "handle": "x", "variants": [
        {"title": "v", "sku": "S", "prices": [{"currency_code": "EUR", "amount": -1}]}]}, 422),
    ("ADMIN POST", "/admin/products", {"vendor_id": "{vendor}", "title": "X", "handle": "x", "variants": [
        {"title": "v", "sku": "S", "prices": [{"currency_code": "EUR", "amount": 1}, {"currency_code": "EUR",
                                                                                    "amount": 2}]}]}, 422),
    ("ADMIN POST", "/admin/products", {"vendor_id": "{vendor}", "title": "X", "handle": "x", "options": [
        {"title": "Size", "values": ["S"]}], "variants": [{"title": "v", "sku": "S", "options": {"Size": "XL"}}]}, 422),
    ("ADMIN POST", "/admin/products/{product}", {"variants": [{"id": "var_other", "title": "v", "sku": "S"}]}, 422),
    ("ADMIN POST", "/admin/products/{product}", {"status": "archived"}, 422),
    ("ADMIN POST", "/admin/regions", {"name": "X", "currency_code": "EURO", "tax_rate": "0.2", "countries": ["DE"]},
     422),
    ("ADMIN POST", "/admin/regions", {"name": "X", "currency_code": "EUR", "tax_rate": "1.5", "countries": ["DE"]},
     422),
    ("ADMIN POST", "/admin/vendors", {"name": "X", "slug": "x", "email": "x@example.com", "commission_rate": "2",
                                      "default_currency": "EUR"}, 422),
    ("ADMIN POST", "/admin/inventory/{variant}", {"stocked_quantity": 0}, 409),  # below what orders reserved
]


def _fill(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


@pytest.mark.parametrize(("method", "path", "body", "status"), CASES)
def test_bad_input_is_a_problem_and_changes_nothing(
    shop: Shop, client: TestClient, world: dict[str, Any], method: str, path: str, body: Any, status: int
) -> None:
    if path == "/admin/inventory/{variant}":
        # Reserve one unit first so that setting the stock to zero would undercut an open order.
        cart = shop.ready_cart([(world["variant"], 1)])
        shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store))
    before = shop.snapshot()
    headers = shop.admin if method.startswith("ADMIN") else shop.store
    verb = method.split()[-1]
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(body, str):
        kwargs["content"] = body
        kwargs["headers"] = {**headers, "content-type": "application/json"}
    elif body is not None:
        kwargs["json"] = _fill(body, world)
    response = client.request(verb, _fill(path, world), **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert shop.snapshot() == before


def test_completing_an_incomplete_cart_is_a_problem(shop: Shop, client: TestClient) -> None:
    cart = shop.cart("EUR", email=None)
    before = shop.snapshot()
    response = client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"items", "email", "shipping_address"}
    assert shop.snapshot() == before


def test_a_vendor_without_shipping_blocks_checkout(shop: Shop, client: TestClient) -> None:
    vendor = shop.vendor()
    variant = shop.product(vendor["id"])["variants"][0]["id"]
    cart = shop.ready_cart([(variant, 1)])
    response = client.post(f"/store/carts/{cart['id']}/complete", headers=shop.store)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "shipping_methods"


def test_store_routes_need_a_key_or_token(client: TestClient, shop: Shop) -> None:
    assert client.get("/store/products").status_code == 401
    assert client.post("/store/carts", json={"region_id": shop.regions["EUR"]["id"]}).status_code == 401
