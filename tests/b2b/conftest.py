"""B2B fixtures: the commerce `Shop` plus vendor users, finance, companies and a helper that buys."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

import pytest
from dagster import materialize
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.auth.models import Role
from api.db import Domain
from assets.commissions.definitions import commission_run
from orchestration.resources import StoresResource
from tests.commerce.conftest import Shop, customer_headers, shop, store_headers
from tests.conftest import owner_urls

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

    def backdate(self, order_id: str, days: int = 1) -> date:
        """Move an order (and its commission sale lines) `days` UTC days back, keeping its time of day; the day."""
        with self.shop.database.transaction(Domain.commerce) as session:
            for table, column in (("orders", "id"), ("vendor_orders", "order_id"), ("commission_lines", "order_id")):
                session.execute(text(f"UPDATE commerce.{table} SET created_at = created_at - make_interval(days => :d)"
                                     f" WHERE {column} = :id" + (" AND type = 'sale'" if table == "commission_lines"
                                                                   else "")), {"d": days, "id": order_id})
            placed = session.scalar(text("SELECT created_at FROM commerce.orders WHERE id = :id"), {"id": order_id})
        return placed.astimezone(UTC).date()

    def run_day(self, day: date) -> Any:
        """The commission run of one UTC day, through Dagster; the run record as finance reads it."""
        urls = owner_urls(self.shop.database.urls)  # Dagster runs as the owner
        result = materialize([commission_run], partition_key=day.isoformat(), raise_on_error=False,
                             resources={"stores": StoresResource(commerce_url=urls.commerce, content_url=urls.content)})
        assert result.success
        runs = self.ok(self.client.get("/admin/commissions/runs", params={"from": day, "to": day},
                                       headers=self.finance()))["items"]
        assert len(runs) == 1
        return runs[0]

    def settle(self, *order_ids: str, capture: bool = True, days: int = 1) -> Any:
        """Capture the orders, place them `days` back (the same UTC day) and run and approve that day's
        commission run: their money becomes available (`api.payouts.balance`). The approved run."""
        placed = set()
        for order_id in order_ids:
            if capture:
                self.capture(order_id)
            placed.add(self.backdate(order_id, days))
        [day] = placed
        run = self.run_day(day)
        return self.ok(self.client.post(f"/admin/commissions/runs/{run['id']}/approve", headers=self.finance()))

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
