"""Tenant isolation enforced twice (issue 15, finding 9): under the repository filters, PostgreSQL row-level
security keeps a vendor user to its vendor's rows and a company employee to its company's, in both stores,
even for a query that forgets the filter."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.db import Database, Domain, TenantScope
from api.deps import CommerceSession, ContentSession, CurrentActor
from tests.b2b.conftest import Market, company, employee
from tests.content.conftest import TenantCtx

TENANT_COLUMNS = ("vendor_id", "tenant_id", "company_id")


def test_every_tenant_scoped_table_has_row_level_security(owner_database: Database) -> None:
    """Any table of either store with a tenant column (now, or added later by anyone) needs RLS enabled and
    a policy: see api/db_roles.py and the `tenant_rls` revisions for how to add them."""
    missing: list[str] = []
    for domain in Domain:
        with owner_database.transaction(domain) as session:
            rows = session.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, "
                    "  (SELECT count(*) FROM pg_policies p WHERE p.schemaname = n.nspname AND p.tablename = c.relname) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') AND EXISTS ("
                    "  SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
                    "  AND NOT a.attisdropped AND a.attname = ANY(:columns))"
                ),
                {"schema": domain.value, "columns": list(TENANT_COLUMNS)},
            ).all()
        assert rows, f"no tenant-scoped table found in {domain.value}: the check itself is broken"
        missing += [f"{domain.value}.{name}" for name, enabled, policies in rows if not enabled or policies == 0]
    assert missing == [], f"tenant-scoped tables without row-level security: {missing}"


@pytest.fixture
def leaky_app(app: FastAPI) -> FastAPI:
    """A route that forgets every filter: it reads a whole column of a table through the request's session."""

    @app.get("/_leak/{domain}/{table}/{column}", include_in_schema=False)
    def leak(
        domain: Domain, table: str, column: str, actor: CurrentActor, commerce: CommerceSession, content: ContentSession
    ) -> list[Any]:
        session = commerce if domain is Domain.commerce else content
        return sorted({row[0] for row in session.execute(text(f"SELECT {column} FROM {domain.value}.{table}"))},
                      key=str)

    @app.post("/_leak/{domain}/{table}/{column}", include_in_schema=False)
    def overwrite(
        domain: Domain, table: str, column: str, actor: CurrentActor, commerce: CommerceSession, content: ContentSession
    ) -> int:
        session = commerce if domain is Domain.commerce else content
        result = session.execute(text(f"UPDATE {domain.value}.{table} SET {column} = {column}"))
        return int(result.rowcount)  # type: ignore[attr-defined]

    return app


def _leak(client: TestClient, headers: dict[str, str], what: str) -> list[Any]:
    response = client.get(f"/_leak/{what}", headers=headers)
    assert response.status_code == 200, response.text
    rows: list[Any] = response.json()
    return rows


def test_a_vendor_cannot_read_or_write_another_vendors_rows_without_a_filter(
    leaky_app: FastAPI, market: Market, admin_headers: dict[str, str]
) -> None:
    client = market.client
    vendor_a, a_headers, _ = market.seller()
    vendor_b, b_headers, variant_b = market.seller(price=50_000)
    market.settle(market.buy([(variant_b, 1)])["id"])  # an order of B alone, its money payable
    market.ok(client.post("/vendor/payouts/request", json={"amount": 5000}, headers=b_headers), 201)
    a, b = vendor_a["id"], vendor_b["id"]

    for table in ("products", "vendor_orders", "commission_lines", "payouts", "shipping_options"):
        everyone = _leak(client, admin_headers, f"commerce/{table}/vendor_id")
        assert b in everyone, table
        assert b not in _leak(client, a_headers, f"commerce/{table}/vendor_id"), table
    assert _leak(client, a_headers, "commerce/products/vendor_id") == [a]
    assert _leak(client, b_headers, "commerce/products/vendor_id") == [b]
    assert _leak(client, a_headers, "commerce/users/vendor_id") == [None, a]
    # Writes without a filter touch only the vendor's own rows (its one product).
    assert client.post("/_leak/commerce/products/title", headers=a_headers).json() == 1
    assert client.post("/_leak/commerce/products/title", headers=admin_headers).json() == 2


def test_a_vendor_sees_the_other_parts_of_its_own_orders_only(
    leaky_app: FastAPI, market: Market, admin_headers: dict[str, str]
) -> None:
    client = market.client
    vendor_a, a_headers, variant_a = market.seller()
    vendor_b, _, variant_b = market.seller()
    vendor_c, _, variant_c = market.seller()
    market.buy([(variant_a, 1), (variant_b, 1)])  # A and B together
    market.buy([(variant_c, 1)])  # C alone
    seen = _leak(client, a_headers, "commerce/vendor_orders/vendor_id")
    assert seen == sorted([vendor_a["id"], vendor_b["id"]])
    assert vendor_c["id"] in _leak(client, admin_headers, "commerce/vendor_orders/vendor_id")


def test_a_company_employee_cannot_read_another_companys_rows_without_a_filter(
    leaky_app: FastAPI, market: Market, admin_headers: dict[str, str]
) -> None:
    client, shop = market.client, market.shop
    _, _, variant = market.seller(price=10_000)
    company_a, a_admin = company(market)
    company_b, b_admin = company(market)
    _, b_buyer = employee(market, b_admin, "buyer")
    market.buy([(variant, 1)], headers=b_buyer)
    market.ok(client.post("/store/quotes", json={"region_id": shop.regions["EUR"]["id"],
                                                 "items": [{"variant_id": variant, "quantity": 1}]},
                          headers=b_buyer), 201)
    a, b = company_a["id"], company_b["id"]
    for table in ("orders", "quotes", "company_employees", "users"):
        assert b in _leak(client, admin_headers, f"commerce/{table}/company_id"), table
        assert b not in _leak(client, {**shop.store, **a_admin}, f"commerce/{table}/company_id"), table
    assert _leak(client, {**shop.store, **a_admin}, "commerce/company_employees/company_id") == [a]


def test_a_vendor_cannot_read_another_tenants_drafts_or_write_its_content(
    leaky_app: FastAPI, client: TestClient, tenant_a: TenantCtx, tenant_b: TenantCtx, admin_headers: dict[str, str]
) -> None:
    for tenant, slug in ((tenant_a, "about-a"), (tenant_b, "about-b")):
        response = client.post("/api/pages", json={"title": "Draft", "slug": slug}, headers=tenant.headers)
        assert response.status_code == 201, response.text
    pages = "content/pages/tenant_id"
    assert _leak(client, admin_headers, pages) == sorted([tenant_a.id, tenant_b.id])
    assert _leak(client, tenant_a.headers, pages) == [tenant_a.id]
    assert _leak(client, tenant_b.headers, pages) == [tenant_b.id]
    assert client.post(f"/_leak/{pages}", headers=tenant_a.headers).json() == 1
    # What shoppers may see (active tenants) stays readable: a vendor's storefront lists the others too.
    assert tenant_b.id in _leak(client, tenant_a.headers, "content/tenants/id")


def test_a_connection_that_never_says_whose_rows_sees_no_tenants_rows(
    database: Database, market: Market
) -> None:
    vendor, _, _ = market.seller()
    with database.engine(Domain.commerce).connect() as conn:  # no tenant scope set at all
        assert conn.execute(text("SELECT count(*) FROM commerce.products")).scalar_one() == 0
    with database.transaction(Domain.commerce) as session:  # the platform scope (CLI, dispatcher)
        assert session.execute(text("SELECT count(*) FROM commerce.products")).scalar_one() == 1
    with database.transaction(Domain.commerce, TenantScope(vendor_id="vend_other")) as session:
        assert session.execute(text("SELECT count(*) FROM commerce.products")).scalar_one() == 0
    with database.transaction(Domain.commerce, TenantScope(vendor_id=vendor["id"])) as session:
        assert session.execute(text("SELECT count(*) FROM commerce.products")).scalar_one() == 1
