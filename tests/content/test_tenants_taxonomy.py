"""Tenants (validation, status machine, events), categories (cycles) and navigation (nesting)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db import Database, Domain
from api.outbox.models import ContentOutboxEvent
from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx


@pytest.mark.parametrize(
    "body",
    [
        {"branding": {"primaryColor": "red"}},
        {"branding": {"primaryColor": "#12345"}},
        {"branding": {"secondaryColor": "#gggggg"}},
        {"branding": {"headingFont": "Comic Sans"}},
        {"branding": {"logo": "med_missing"}},
        {"slug": "Bad Slug"},
        {"slug": "-x"},
        {"domains": ["not a host"]},
        {"domains": ["a.example.com", "a.example.com"]},
        {"domains": ["http://x.example.com"]},
        {"name": None},
        {"name": "x" * 201},
        {"status": "deleted"},
        {"unknown": 1},
    ],
)
def test_invalid_tenant_changes_are_rejected(client: TestClient, admin_headers: dict[str, str], tenant_a: TenantCtx,
                                             body: dict[str, Any]) -> None:
    before = client.get(f"/api/tenants/{tenant_a.id}", headers=admin_headers).json()
    response = client.patch(f"/api/tenants/{tenant_a.id}", json=body, headers=admin_headers)
    assert_problem(response, 422, "validation-failed")
    assert client.get(f"/api/tenants/{tenant_a.id}", headers=admin_headers).json() == before


def test_tenant_status_machine_and_events(client: TestClient, database: Database, admin_headers: dict[str, str],
                                          make_tenant: Any) -> None:
    tenant = make_tenant("initech", status="draft")
    url = f"/api/tenants/{tenant.id}"
    assert_problem(client.patch(url, json={"status": "suspended"}, headers=admin_headers), 409,
                   "invalid-state-transition")
    assert client.patch(url, json={"status": "active"}, headers=admin_headers).json()["doc"]["status"] == "active"
    assert client.patch(url, json={"status": "suspended"}, headers=admin_headers).json()["doc"]["status"] == "suspended"
    assert client.patch(url, json={"status": "active"}, headers=admin_headers).json()["doc"]["status"] == "active"
    assert_problem(client.patch(url, json={"status": "draft"}, headers=admin_headers), 409,
                   "invalid-state-transition")
    # The vendor brands its own tenant but cannot change status, slug or vendor.
    branded = client.patch(url, json={"tagline": "Hi", "branding": {"primaryColor": "#ABCDEF"},
                                      "domains": ["Shop.Initech.com"]}, headers=tenant.headers)
    assert branded.status_code == 200, branded.text
    assert branded.json()["doc"]["branding"]["primaryColor"] == "#abcdef"
    assert branded.json()["doc"]["domains"] == ["shop.initech.com"]
    assert_problem(client.patch(url, json={"status": "suspended"}, headers=tenant.headers), 403, "forbidden")
    assert_problem(client.delete(url, headers=tenant.headers), 403, "forbidden")

    with database.transaction(Domain.content) as session:
        events = list(session.scalars(select(ContentOutboxEvent).where(ContentOutboxEvent.entity_id == tenant.id)
                                      .order_by(ContentOutboxEvent.position)))
    assert {e.topic for e in events} == {"tenant.configured"}
    assert len(events) == 5 and events[-1].payload["tagline"] == "Hi"


def test_tenant_uniqueness(client: TestClient, admin_headers: dict[str, str], tenant_a: TenantCtx) -> None:
    same_slug = {"name": "Other", "slug": "acme", "vendorId": "vend_other"}
    assert_problem(client.post("/api/tenants", json=same_slug, headers=admin_headers), 409, "conflict")
    same_vendor = {"name": "Other", "slug": "other", "vendorId": tenant_a.vendor_id}
    assert_problem(client.post("/api/tenants", json=same_vendor, headers=admin_headers), 409, "conflict")
    assert client.get("/api/tenants", headers=admin_headers).json()["totalDocs"] == 1


def test_category_tree_rejects_cycles(client: TestClient, admin_headers: dict[str, str]) -> None:
    def create(slug: str, parent: str | None = None) -> str:
        response = client.post("/api/categories", json={"name": slug.title(), "slug": slug, "parent": parent},
                               headers=admin_headers)
        assert response.status_code == 201, response.text
        return response.json()["doc"]["id"]

    a = create("a")
    b = create("b", a)
    c = create("c", b)
    for node, parent in ((a, c), (a, a), (b, c)):
        assert_problem(client.patch(f"/api/categories/{node}", json={"parent": parent}, headers=admin_headers), 409,
                       "conflict")
    assert client.get(f"/api/categories/{a}").json()["parent"] is None
    assert_problem(client.patch(f"/api/categories/{c}", json={"parent": "cat_missing"}, headers=admin_headers), 422,
                   "validation-failed")
    assert client.patch(f"/api/categories/{c}", json={"parent": a}, headers=admin_headers).json()["doc"]["parent"] == a
    assert_problem(client.post("/api/categories", json={"name": "A", "slug": "a"}, headers=admin_headers), 409,
                   "conflict")
    assert client.get("/api/categories", params={"where[parent][equals]": a}).json()["totalDocs"] == 2


def test_navigation_nesting_and_uniqueness(client: TestClient, tenant_a: TenantCtx, tenant_b: TenantCtx) -> None:
    h = tenant_a.headers
    two_levels = {"location": "main", "items": [
        {"label": "Shop", "url": "/shop", "children": [{"label": "New", "url": "/shop/new"}]}]}
    created = client.post("/api/navigation", json=two_levels, headers=h)
    assert created.status_code == 201, created.text
    assert_problem(client.post("/api/navigation", json=two_levels, headers=h), 409, "conflict")
    assert client.post("/api/navigation", json=two_levels, headers=tenant_b.headers).status_code == 201
    three_levels = {"location": "footer", "items": [{"label": "A", "url": "/a", "children": [
        {"label": "B", "url": "/b", "children": [{"label": "C", "url": "/c"}]}]}]}
    for body in (
        three_levels,
        {"location": "sidebar", "items": []},
        {"location": "footer", "items": [{"label": "X", "url": "javascript:alert(1)"}]},
        {"location": "footer", "items": [{"label": "X"}]},
        {"location": "footer", "items": [{"label": "X", "url": "/x", "page": "page_1"}]},
        {"location": "footer", "items": [{"label": "X", "page": "page_missing"}]},
    ):
        assert_problem(client.post("/api/navigation", json=body, headers=h), 422, "validation-failed")
    menus = client.get("/api/navigation", params={"where[tenant][equals]": tenant_a.id}).json()
    assert menus["totalDocs"] == 1 and menus["docs"][0]["items"][0]["children"][0]["label"] == "New"
