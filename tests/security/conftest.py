"""Security fixtures: the commerce, B2B and content worlds of the other test packages, reused as they are, and
one principal of every kind (tenant A's users and the platform's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.auth.models import Role
from api.auth.scopes import GRANTABLE_SECRET_SCOPES, PUBLISHABLE_KEY_SCOPES, ROLE_SCOPES, Scope
from tests.b2b.conftest import Market, company, customer_headers, employee, market, shop, store_headers
from tests.content.conftest import TenantCtx, make_tenant, tenant_a, tenant_b

__all__ = ["customer_headers", "make_tenant", "market", "shop", "store_headers", "tenant_a", "tenant_b"]


@dataclass(frozen=True)
class Principal:
    name: str
    headers: dict[str, str]
    scopes: frozenset[Scope]
    tenant_bound: bool  # False for the platform's principals (staff and secret keys), which act across tenants


def _secret_key(client: TestClient, admin: dict[str, str], scope: Scope) -> Principal:
    body = {"name": f"key {scope.value}", "kind": "secret", "scopes": [scope.value]}
    response = client.post("/admin/api-keys", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return Principal(f"secret key {scope.value}", {"Authorization": f"Bearer {response.json()['secret']}"},
                     frozenset({scope}), tenant_bound=False)


@pytest.fixture
def principals_of_tenant_a(
    market: Market, make_tenant: Callable[..., TenantCtx], admin_headers: dict[str, str]
) -> list[Principal]:
    """Every principal kind: tenant A's (a customer, company admin/buyer/approver, vendor users), the
    storefront's publishable key, nobody, and the platform's (finance, admin, a secret key per scope)."""
    shop = market.shop
    _, vendor_a, _ = market.seller()
    _, a_admin = company(market)
    _, a_buyer = employee(market, a_admin, "buyer")
    _, a_approver = employee(market, a_admin, "approver")
    content_vendor = make_tenant("tenant-a")
    customer, vendor = ROLE_SCOPES[Role.customer], ROLE_SCOPES[Role.vendor]
    return [
        Principal("anonymous", {}, frozenset(), tenant_bound=True),
        Principal("publishable key", shop.store, PUBLISHABLE_KEY_SCOPES, tenant_bound=True),
        Principal("customer", market.customer_headers(), customer, tenant_bound=True),
        Principal("company admin", {**shop.store, **a_admin}, customer, tenant_bound=True),
        Principal("company buyer", a_buyer, customer, tenant_bound=True),
        Principal("company approver", a_approver, customer, tenant_bound=True),
        Principal("vendor user", {**shop.store, **vendor_a}, vendor, tenant_bound=True),
        Principal("vendor user of a content tenant", content_vendor.headers, vendor, tenant_bound=True),
        Principal("finance", market.finance(), ROLE_SCOPES[Role.finance], tenant_bound=False),
        Principal("admin", shop.admin, ROLE_SCOPES[Role.admin], tenant_bound=False),
        *(_secret_key(market.client, admin_headers, scope) for scope in sorted(GRANTABLE_SECRET_SCOPES)),
    ]
