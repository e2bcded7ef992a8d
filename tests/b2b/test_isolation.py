"""Tenant isolation: a vendor user (or a company employee) asking for another tenant's object gets 404 on
every route; who may call a route at all is checked before (401/403)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.b2b.conftest import Market, company, employee
from tests.conftest import assert_problem

EXPIRES = "2100-01-01T00:00:00Z"


@dataclass
class World:
    market: Market
    a_headers: dict[str, str]
    b_headers: dict[str, str]
    ids: dict[str, str]


@pytest.fixture
def world(market: Market) -> World:
    client, shop = market.client, market.shop
    _, a_headers, _ = market.seller()
    vendor_b, b_headers, variant_b = market.seller(price=50_000)
    product_b = shop.ok(client.get("/vendor/products", headers=b_headers))["items"][0]["id"]
    order = market.buy([(variant_b, 1)])
    market.settle(order["id"])  # its money payable: an approved commission run
    tier = shop.ok(client.post("/vendor/volume-pricing", json={"variant_id": variant_b, "currency_code": "EUR",
                                                               "min_quantity": 10, "unit_price": 40_000},
                               headers=b_headers), 201)
    buyer = market.customer_headers()
    quote = shop.ok(client.post("/store/quotes", json={"region_id": shop.regions["EUR"]["id"],
                                                        "items": [{"variant_id": variant_b, "quantity": 3}]},
                                headers=buyer), 201)
    payout = shop.ok(client.post("/vendor/payouts/request", json={"amount": 5000}, headers=b_headers), 201)
    return World(market, a_headers, b_headers, {
        "product": product_b, "vendor_order": order["vendor_orders"][0]["id"], "quote": quote["id"],
        "quote_item": quote["items"][0]["id"], "tier": tier["id"], "payout": payout["id"], "variant": variant_b,
        "vendor": vendor_b["id"],
    })


# Every vendor route that names an object: (method, path, body).
OBJECT_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/vendor/products/{product}", None),
    ("PATCH", "/vendor/products/{product}", {"title": "Mine now"}),
    ("DELETE", "/vendor/products/{product}", None),
    ("GET", "/vendor/orders/{vendor_order}", None),
    ("GET", "/vendor/orders/{vendor_order}/timeline", None),
    ("POST", "/vendor/orders/{vendor_order}/fulfill", {"carrier": "DHL", "tracking_number": "X"}),
    ("GET", "/vendor/quotes/{quote}", None),
    ("POST", "/vendor/quotes/{quote}/respond",
     {"items": [{"item_id": "{quote_item}", "unit_price": 1}], "expires_at": EXPIRES}),
    ("GET", "/vendor/volume-pricing/{tier}", None),
    ("PATCH", "/vendor/volume-pricing/{tier}", {"unit_price": 1}),
    ("DELETE", "/vendor/volume-pricing/{tier}", None),
]
LIST_ROUTES = ["/vendor/products", "/vendor/orders", "/vendor/commissions", "/vendor/payouts", "/vendor/quotes",
               "/vendor/volume-pricing"]
ALL_VENDOR_ROUTES = [(m, p, b) for m, p, b in OBJECT_ROUTES] + [("GET", p, None) for p in LIST_ROUTES] + [
    ("GET", "/vendor/me", None), ("PATCH", "/vendor/me", {"name": "X"}), ("GET", "/vendor/payouts/balance", None),
    ("POST", "/vendor/payouts/request", {}), ("POST", "/vendor/products", {"title": "X", "handle": "x"}),
    ("POST", "/vendor/volume-pricing", {"variant_id": "var_x", "currency_code": "EUR", "min_quantity": 1,
                                        "unit_price": 1}),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("method", "path", "body"), OBJECT_ROUTES, ids=[f"{m} {p}" for m, p, _ in OBJECT_ROUTES])
def test_another_vendors_object_is_not_found(world: World, method: str, path: str, body: Any) -> None:
    client = world.market.client
    url, payload = _fill(path, world.ids), _fill(body, world.ids)
    assert_problem(client.request(method, url, json=payload, headers=world.a_headers), 404, "not-found")
    if method == "GET":  # and the owner does see it
        assert client.get(url, headers=world.b_headers).status_code == 200


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_lists_hold_only_the_callers_objects(world: World, path: str) -> None:
    client = world.market.client
    seen_by_a = client.get(path, headers=world.a_headers)
    assert seen_by_a.status_code == 200
    assert not [name for name, value in world.ids.items() if value in seen_by_a.text]
    assert world.market.ok(client.get(path, headers=world.b_headers))["total"] >= 1


def test_references_in_bodies_are_scoped_too(world: World) -> None:
    body = {"variant_id": world.ids["variant"], "currency_code": "EUR", "min_quantity": 1, "unit_price": 1}
    assert_problem(world.market.client.post("/vendor/volume-pricing", json=body, headers=world.a_headers), 422,
                   "validation-failed")
    assert world.market.ok(world.market.client.get("/vendor/me", headers=world.b_headers))["id"] == world.ids["vendor"]


@pytest.mark.parametrize(("method", "path", "body"), ALL_VENDOR_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in ALL_VENDOR_ROUTES])
def test_only_vendor_users_reach_vendor_routes(market: Market, method: str, path: str, body: Any) -> None:
    client, shop = market.client, market.shop
    url = path.format(product="prod_x", vendor_order="vo_x", quote="quote_x", tier="vtier_x")
    assert_problem(client.request(method, url, json=body), 401, "unauthorized")
    assert_problem(client.request(method, url, json=body, headers=market.customer_headers()), 403, "forbidden")
    assert_problem(client.request(method, url, json=body, headers=shop.admin), 403, "forbidden")


@dataclass
class Companies:
    market: Market
    a_admin: dict[str, str]
    ids: dict[str, str]


@pytest.fixture
def companies(market: Market) -> Companies:
    client, shop = market.client, market.shop
    _, _, variant = market.seller(price=10_000)
    _, a_admin = company(market)
    _, b_admin = company(market, credit_limit=0)
    b_buyer, b_buyer_headers = employee(market, b_admin, "buyer")
    cart = shop.ready_cart([(variant, 1)], headers=b_buyer_headers)
    approval = shop.ok(client.post(f"/store/carts/{cart['id']}/complete", headers=b_buyer_headers), 202)
    quote = shop.ok(client.post("/store/quotes", json={"region_id": shop.regions["EUR"]["id"],
                                                        "items": [{"variant_id": variant, "quantity": 1}]},
                                headers=b_buyer_headers), 201)
    return Companies(market, a_admin, {"approval": approval["id"], "user": b_buyer["user_id"], "quote": quote["id"],
                                       "cart": cart["id"]})


COMPANY_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/store/company/approvals/{approval}", None),
    ("POST", "/store/company/approvals/{approval}/approve", None),
    ("POST", "/store/company/approvals/{approval}/reject", None),
    ("PATCH", "/store/company/users/{user}", {"spending_limit": 1}),
    ("DELETE", "/store/company/users/{user}", None),
    ("GET", "/store/quotes/{quote}", None),
    ("POST", "/store/quotes/{quote}/accept", None),
    ("POST", "/store/quotes/{quote}/reject", None),
    ("GET", "/store/carts/{cart}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), COMPANY_ROUTES, ids=[f"{m} {p}" for m, p, _ in COMPANY_ROUTES])
def test_another_companys_object_is_not_found(companies: Companies, method: str, path: str, body: Any) -> None:
    url = path.format(**companies.ids)
    assert_problem(companies.market.client.request(method, url, json=body, headers=companies.a_admin), 404,
                   "not-found")


def test_company_lists_hold_only_the_callers_objects(companies: Companies) -> None:
    client = companies.market.client
    for path in ("/store/company/approvals", "/store/company/orders", "/store/quotes"):
        assert companies.market.ok(client.get(path, headers=companies.a_admin))["total"] == 0
    users = companies.market.ok(client.get("/store/company/users", headers=companies.a_admin))
    assert len(users) == 1 and users[0]["role"] == "admin"
