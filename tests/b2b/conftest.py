"""B2B fixtures: the commerce `Shop` plus vendor users, finance, companies and a helper that buys."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.models import Role
from tests.commerce.conftest import Shop, customer_headers, shop, store_headers

# The commerce fixtures, reused as they are.
__all__ = ["customer_headers", "shop", "store_headers"]

_counter = itertools.count(1)


@dataclass
class Market:
    shop: Shop
    make_user: Callable[..., dict[str, Any]]
    login: Callable[[dict[str, Any]], dict[str, str]]
    customer_headers: Callable[[], dict[str, str]]

    @property
    def client(self) -> TestClient:
        return self.shop.client

    def ok(self, response: Any, status: int = 200) -> Any:
        return self.shop.ok(response, status)

    def vendor_user(self, vendor_id: str) -> dict[str, str]:
        return self.login(self.make_user(Role.vendor, vendor_id=vendor_id))

    def finance(self) -> dict[str, str]:
        return self.login(self.make_user(Role.finance))

    def seller(self, *, rate: str = "0.1000", price: int = 1000, stock: int = 100,
               categories: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, str], str]:
        """An approved vendor with a shipping option (EUR 500) and one product; its user's headers; the variant."""
        vendor = self.shop.vendor(f"seller-{next(_counter)}", rate=rate)
        self.shop.shipping_option(vendor["id"], {"EUR": 500, "USD": 700})
        product = self.shop.product(vendor["id"], prices={"EUR": price, "USD": price}, stock=stock,
                                    category_ids=categories)
        return vendor, self.vendor_user(vendor["id"]), product["variants"][0]["id"]

    def buy(self, lines: list[tuple[str, int]], headers: dict[str, str] | None = None) -> Any:
        cart = self.shop.ready_cart(lines, headers=headers)
        return self.ok(self.client.post(f"/store/carts/{cart['id']}/complete", headers=headers or self.shop.store))

    def capture(self, order_id: str) -> Any:
        return self.ok(self.client.post(f"/admin/orders/{order_id}/capture", headers=self.shop.admin))

    def lines(self, **params: Any) -> list[dict[str, Any]]:
        page = self.ok(self.client.get("/admin/commissions", params={"limit": 200, **params}, headers=self.shop.admin))
        items: list[dict[str, Any]] = page["items"]
        return items


@pytest.fixture
def market(
    shop: Shop,
    make_user: Callable[..., dict[str, Any]],
    login: Callable[[dict[str, Any]], dict[str, str]],
    customer_headers: Callable[[], dict[str, str]],
) -> Market:
    return Market(shop, make_user, login, customer_headers)


COMPANY_ADDRESS = {"first_name": "Ada", "last_name": "Lovelace", "address_1": "1 Analytical Street", "city": "Berlin",
                   "postal_code": "10115", "country_code": "DE"}


def company(market: Market, *, credit_limit: int = 1_000_000, approve: bool = True) -> tuple[Any, dict[str, str]]:
    """A company registered by a new customer (its admin), approved with a credit limit; the admin's headers."""
    headers = market.customer_headers()
    body = {"name": f"Company {next(_counter)}", "tax_id": "DE123456789", "billing_address": COMPANY_ADDRESS,
            "currency_code": "EUR"}
    created = market.ok(market.client.post("/store/company/register", json=body, headers=headers), 201)
    if approve:
        admin = market.shop.admin
        market.ok(market.client.post(f"/admin/companies/{created['id']}/approve", headers=admin))
        created = market.ok(market.client.patch(f"/admin/companies/{created['id']}",
                                                json={"credit_limit": credit_limit}, headers=admin))
    return created, headers


def employee(market: Market, admin_headers: dict[str, str], role: str, spending_limit: int | None = None
             ) -> tuple[Any, dict[str, str]]:
    email = f"employee-{next(_counter)}@example.com"
    body = {"email": email, "password": "correct-horse-battery", "role": role, "spending_limit": spending_limit}
    made = market.ok(market.client.post("/store/company/users", json=body, headers=admin_headers), 201)
    headers = market.login({"email": email, "password": "correct-horse-battery"})
    return made, {**market.shop.store, **headers}
