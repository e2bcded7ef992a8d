"""Commerce fixtures: a `Shop` that builds regions, vendors, products and carts through the admin and
store APIs, as a client would."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.db import Database, Domain

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address_1": "1 Analytical Street",
    "city": "Berlin",
    "postal_code": "10115",
    "country_code": "DE",
}
_counter = itertools.count(1)


@dataclass
class Shop:
    client: TestClient
    admin: dict[str, str]
    store: dict[str, str]
    database: Database
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def region(self, currency: str = "EUR", tax_rate: str = "0.2000", countries: tuple[str, ...] = ("DE", "FR")) -> Any:
        body = {"name": f"Region {currency}", "currency_code": currency, "tax_rate": tax_rate, "countries": countries}
        region = self.ok(self.client.post("/admin/regions", json=body, headers=self.admin), 201)
        self.regions[currency] = region
        return region

    def vendor(self, slug: str | None = None, *, approve: bool = True, rate: str = "0.1000") -> Any:
        slug = slug or f"vendor-{next(_counter)}"
        body = {"name": slug.title(), "slug": slug, "email": f"{slug}@example.com", "commission_rate": rate,
                "default_currency": "EUR"}
        vendor = self.ok(self.client.post("/admin/vendors", json=body, headers=self.admin), 201)
        if approve:
            vendor = self.ok(self.client.post(f"/admin/vendors/{vendor['id']}/approve", headers=self.admin))
        return vendor

    def product(
        self,
        vendor_id: str,
        *,
        title: str | None = None,
        prices: dict[str, int] | None = None,
        stock: int = 10,
        status: str = "published",
        category_ids: tuple[str, ...] = (),
        variants: int = 1,
    ) -> Any:
        n = next(_counter)
        title = title or f"Product {n}"
        prices = prices if prices is not None else {"EUR": 1000, "USD": 1200}
        body = {
            "vendor_id": vendor_id,
            "title": title,
            "handle": f"{title.lower().replace(' ', '-')}-{n}",
            "status": status,
            "category_ids": list(category_ids),
            "options": [{"title": "Size", "values": [f"S{i}" for i in range(variants)]}],
            "variants": [
                {
                    "title": f"{title} S{i}",
                    "sku": f"SKU-{n}-{i}",
                    "options": {"Size": f"S{i}"},
                    "prices": [{"currency_code": c, "amount": a} for c, a in prices.items()],
                    "stocked_quantity": stock,
                }
                for i in range(variants)
            ],
        }
        return self.ok(self.client.post("/admin/products", json=body, headers=self.admin), 201)

    def shipping_option(self, vendor_id: str, prices: dict[str, int] | None = None) -> Any:
        prices = prices or {"EUR": 500, "USD": 700}
        body = {"vendor_id": vendor_id, "name": "Standard", "prices": [
            {"currency_code": c, "amount": a} for c, a in prices.items()]}
        return self.ok(self.client.post("/admin/shipping-options", json=body, headers=self.admin), 201)

    def cart(
        self, currency: str = "EUR", headers: dict[str, str] | None = None, email: str | None = "b@example.com"
    ) -> Any:
        body: dict[str, Any] = {"region_id": self.regions[currency]["id"]}
        if email:
            body["email"] = email
        return self.ok(self.client.post("/store/carts", json=body, headers=headers or self.store), 201)

    def ready_cart(
        self, lines: list[tuple[str, int]], currency: str = "EUR", headers: dict[str, str] | None = None
    ) -> Any:
        """A cart with `lines`, an address and the first shipping option of every vendor: ready to complete."""
        headers = headers or self.store
        cart = self.cart(currency, headers)
        for variant_id, quantity in lines:
            cart = self.ok(self.client.post(f"/store/carts/{cart['id']}/line-items",
                                            json={"variant_id": variant_id, "quantity": quantity}, headers=headers))
        cart = self.ok(self.client.post(f"/store/carts/{cart['id']}", json={"shipping_address": ADDRESS},
                                        headers=headers))
        options = self.ok(self.client.get("/store/shipping-options", params={"cart_id": cart["id"]}, headers=headers))
        chosen: set[str] = set()
        for option in options:
            if option["vendor_id"] not in chosen:
                chosen.add(option["vendor_id"])
                cart = self.ok(self.client.post(f"/store/carts/{cart['id']}/shipping-methods",
                                                json={"option_id": option["id"]}, headers=headers))
        return cart

    def outbox(self, topic: str | None = None) -> list[dict[str, Any]]:
        with self.database.transaction(Domain.commerce) as session:
            rows = session.execute(
                text("SELECT topic, entity_id, payload FROM commerce.outbox_events "
                     "WHERE (CAST(:topic AS text) IS NULL OR topic = :topic) ORDER BY position"),
                {"topic": topic},
            ).mappings().all()
            return [dict(r) for r in rows]

    def snapshot(self) -> dict[str, int]:
        """Row counts and stock totals: what 'changes nothing' is checked against."""
        with self.database.transaction(Domain.commerce) as session:
            counts = {
                table: int(session.execute(text(f"SELECT count(*) FROM commerce.{table}")).scalar_one())
                for table in ("products", "product_variants", "carts", "cart_line_items", "orders", "vendor_orders",
                              "payments", "refunds", "inventory_reservations", "outbox_events", "vendors", "regions")
            }
            counts["reserved"] = int(session.execute(
                text("SELECT coalesce(sum(reserved_quantity), 0) FROM commerce.inventory_levels")).scalar_one())
            counts["stocked"] = int(session.execute(
                text("SELECT coalesce(sum(stocked_quantity), 0) FROM commerce.inventory_levels")).scalar_one())
            counts["line_quantity"] = int(session.execute(
                text("SELECT coalesce(sum(quantity), 0) FROM commerce.cart_line_items")).scalar_one())
            return counts


@pytest.fixture
def store_headers(publishable_key: str) -> dict[str, str]:
    return {"x-publishable-api-key": publishable_key}


@pytest.fixture
def shop(client: TestClient, admin_headers: dict[str, str], store_headers: dict[str, str], database: Database) -> Shop:
    shop = Shop(client, admin_headers, store_headers, database)
    shop.region("EUR", "0.2000", ("DE", "FR"))
    shop.region("USD", "0.0725", ("US",))
    return shop


@pytest.fixture
def customer_headers(
    client: TestClient, store_headers: dict[str, str], login: Callable[..., dict[str, str]]
) -> Callable[[], dict[str, str]]:
    """Register a new customer through the store API and return its login headers (with the store key)."""

    def make() -> dict[str, str]:
        email = f"customer-{next(_counter)}@example.com"
        body = {"email": email, "password": "correct-horse-battery", "first_name": "Grace", "last_name": "Hopper"}
        response = client.post("/store/customers", json=body, headers=store_headers)
        assert response.status_code == 201, response.text
        return {**store_headers, **login({"email": email, "password": "correct-horse-battery"})}

    return make
