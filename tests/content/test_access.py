"""Access control as a matrix: admin / vendor A / vendor B / public x collections x read / write."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.models import Role
from api.content.products.service import CommerceProduct, upsert_from_commerce
from api.db import Database, Domain
from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx, upload

TENANT_OWNED = ("pages", "blogs", "media", "navigation", "products")


def _docs(client: TestClient, database: Database, a: TenantCtx, admin: dict[str, str]) -> dict[str, dict[str, Any]]:
    """One unpublished document of tenant A per collection (media and menus have no draft state)."""
    h = a.headers
    docs = {
        "pages": client.post("/api/pages", json={"title": "A", "slug": "a"}, headers=h).json()["doc"],
        "blogs": client.post("/api/blogs", json={"title": "A", "slug": "a", "content": {"type": "root",
                             "children": []}}, headers=h).json()["doc"],
        "media": upload(client, h).json()["doc"],
        "navigation": client.post("/api/navigation", json={"location": "main", "items": []}, headers=h).json()["doc"],
    }
    with database.transaction(Domain.content) as session:
        product = upsert_from_commerce(session, CommerceProduct.model_validate(
            {"productId": "prod_a", "vendorId": a.vendor_id, "title": "A thing", "status": "draft"}))
        assert product is not None
        docs["products"] = {"id": product.id}
    return docs


PATCHES = {
    "pages": {"title": "Changed"},
    "blogs": {"title": "Changed"},
    "media": {"alt": "Changed"},
    "navigation": {"items": [{"label": "Home", "url": "/"}]},
    "products": {"seoTitle": "Changed"},
}


@pytest.mark.parametrize("collection", TENANT_OWNED)
def test_matrix(client: TestClient, database: Database, tenant_a: TenantCtx, tenant_b: TenantCtx,
                admin_headers: dict[str, str], make_user: Any, login: Any, collection: str) -> None:
    doc = _docs(client, database, tenant_a, admin_headers)[collection]
    url = f"/api/{collection}/{doc['id']}"
    customer = login(make_user(Role.customer))
    public_sees_unpublished = collection in ("media", "navigation")  # no draft state: visible once the tenant is

    # Read.
    assert client.get(url, headers=admin_headers).status_code == 200
    assert client.get(url, headers=tenant_a.headers).status_code == 200
    for reader in ({}, customer, tenant_b.headers):
        assert client.get(url, headers=reader).status_code == (200 if public_sees_unpublished else 404)

    # Write: B gets 404 (not 403), the public 401, a customer 403.
    patch = PATCHES[collection]
    assert_problem(client.patch(url, json=patch, headers=tenant_b.headers), 404, "not-found")
    assert_problem(client.delete(url, headers=tenant_b.headers), 404, "not-found")
    assert_problem(client.patch(url, json=patch), 401, "unauthorized")
    assert_problem(client.patch(url, json=patch, headers=customer), 403, "forbidden")
    assert client.patch(url, json=patch, headers=tenant_a.headers).status_code == 200
    assert client.patch(url, json=patch, headers=admin_headers).status_code == 200
    if collection != "products":  # product content is deleted by admins (the sync owns its life cycle)
        deleted = client.delete(url, headers=tenant_a.headers)
        assert deleted.status_code == 200 and deleted.json()["doc"]["id"] == url.rsplit("/", 1)[1]
        assert deleted.json()["message"] == "Deleted successfully."
        assert client.get(url, headers=admin_headers).status_code == 404


def test_vendor_cannot_write_into_another_tenant_or_the_platform(
    client: TestClient, tenant_a: TenantCtx, tenant_b: TenantCtx
) -> None:
    body = {"title": "X", "slug": "x", "tenant": tenant_b.id}
    assert_problem(client.post("/api/pages", json=body, headers=tenant_a.headers), 404, "not-found")
    assert_problem(upload(client, tenant_a.headers, tenant=tenant_b.id), 404, "not-found")
    # Without a tenant, a vendor writes into its own.
    own = client.post("/api/pages", json={"title": "X", "slug": "x"}, headers=tenant_a.headers).json()["doc"]
    assert own["tenant"] == tenant_a.id
    # Platform-wide documents and categories are admin-only.
    assert_problem(client.post("/api/categories", json={"name": "C", "slug": "c"}, headers=tenant_a.headers), 403,
                   "forbidden")
    assert_problem(client.post("/api/tenants", json={"name": "T", "slug": "t", "vendorId": "vend_x"},
                               headers=tenant_a.headers), 403, "forbidden")
    assert_problem(client.post("/api/products", json={"productId": "prod_x"}, headers=tenant_a.headers), 403,
                   "forbidden")


def test_tenant_visibility(client: TestClient, make_tenant: Any, tenant_a: TenantCtx, admin_headers: dict[str, str],
                           publishable_key: str) -> None:
    draft = make_tenant("drafty", status="draft")
    page = client.post("/api/pages", json={"title": "Hi", "slug": "hi"}, headers=draft.headers).json()["doc"]
    client.post(f"/api/pages/{page['id']}/publish", headers=draft.headers)
    # A published page of a tenant that is not active is invisible to the public.
    for headers in ({}, {"x-publishable-api-key": publishable_key}, tenant_a.headers):
        assert [t["slug"] for t in client.get("/api/tenants", headers=headers).json()["docs"]] == ["acme"]
        assert client.get("/api/pages", headers=headers).json()["totalDocs"] == 0
        assert client.get(f"/api/tenants/{draft.id}", headers=headers).status_code == 404
    assert client.get(f"/api/tenants/{draft.id}", headers=draft.headers).status_code == 200
    assert client.get("/api/tenants", headers=admin_headers).json()["totalDocs"] == 2
    client.patch(f"/api/tenants/{draft.id}", json={"status": "active"}, headers=admin_headers)
    assert client.get("/api/pages").json()["totalDocs"] == 1
    client.patch(f"/api/tenants/{draft.id}", json={"status": "suspended"}, headers=admin_headers)
    assert client.get("/api/pages").json()["totalDocs"] == 0


def test_orders_are_read_only_and_scoped(client: TestClient, database: Database, tenant_a: TenantCtx,
                                         tenant_b: TenantCtx, admin_headers: dict[str, str], make_user: Any,
                                         login: Any) -> None:
    from api.content.orders.service import CommerceOrder
    from api.content.orders.service import upsert_from_commerce as upsert_order

    customer_user = make_user(Role.customer)
    with database.transaction(Domain.content) as session:
        upsert_order(session, CommerceOrder.model_validate({
            "orderId": "order_1", "number": "1001", "customerId": customer_user["id"],
            "customerEmail": customer_user["email"], "total": 1200, "currency": "EUR",
            "vendorIds": [tenant_a.vendor_id], "status": "placed",
            "placedAt": "2026-05-01T10:00:00Z"}))
    count = lambda headers: client.get("/api/orders", headers=headers).json()["totalDocs"]  # noqa: E731
    assert count(admin_headers) == 1
    assert count(tenant_a.headers) == 1
    assert count(tenant_b.headers) == 0
    assert count(login(customer_user)) == 1
    assert count(login(make_user(Role.customer))) == 0
    assert count({}) == 0
    order_id = client.get("/api/orders", headers=admin_headers).json()["docs"][0]["id"]
    assert_problem(client.get(f"/api/orders/{order_id}", headers=tenant_b.headers), 404, "not-found")
    assert_problem(client.post("/api/orders", json={}, headers=admin_headers), 405, "method-not-allowed")
    assert_problem(client.patch(f"/api/orders/{order_id}", json={}, headers=admin_headers), 405,
                   "method-not-allowed")
