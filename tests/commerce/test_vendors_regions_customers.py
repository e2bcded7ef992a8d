from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from api.auth.models import Role
from tests.commerce.conftest import ADDRESS, Shop
from tests.conftest import assert_problem


def test_vendor_crud_transitions_and_events(shop: Shop, client: TestClient) -> None:
    vendor = shop.vendor("acme", approve=False)
    assert vendor["status"] == "pending" and vendor["commission_rate"] == "0.1000"
    url = f"/admin/vendors/{vendor['id']}"
    assert_problem(client.post(f"{url}/suspend", headers=shop.admin), 409, "invalid-state-transition")
    approved = shop.ok(client.post(f"{url}/approve", headers=shop.admin))
    assert approved["status"] == "approved" and approved["version"] == 2
    updated = shop.ok(client.post(url, json={"commission_rate": "0.1250", "name": "ACME"}, headers=shop.admin))
    assert (updated["commission_rate"], updated["name"], updated["version"]) == ("0.1250", "ACME", 3)
    shop.vendor("other")
    assert_problem(client.post(url, json={"slug": "other"}, headers=shop.admin), 409, "conflict")
    assert_problem(client.post("/admin/vendors", json={
        "name": "X", "slug": "acme", "email": "x@example.com", "commission_rate": "0.1", "default_currency": "EUR"},
        headers=shop.admin), 409, "conflict")
    listed = shop.ok(client.get("/admin/vendors", params={"status": "approved"}, headers=shop.admin))
    assert listed["total"] == 2
    assert shop.ok(client.get(url, headers=shop.admin))["name"] == "ACME"
    assert_problem(client.get("/admin/vendors/vend_missing", headers=shop.admin), 404, "not-found")
    events = [(e["topic"], e["payload"]["version"]) for e in shop.outbox() if e["entity_id"] == vendor["id"]]
    assert events == [("vendor.created", 1), ("vendor.approved", 2), ("vendor.updated", 3)]


def test_vendor_users_must_belong_to_a_vendor(shop: Shop, make_user: Callable[..., dict[str, Any]]) -> None:
    vendor = shop.vendor()
    assert make_user(Role.vendor, vendor_id=vendor["id"])["id"].startswith("usr_")


def test_regions_crud(shop: Shop, client: TestClient) -> None:
    regions = shop.ok(client.get("/store/regions", headers=shop.store))
    assert {r["currency_code"] for r in regions} == {"EUR", "USD"}
    eur = shop.regions["EUR"]
    updated = shop.ok(client.post(f"/admin/regions/{eur['id']}", json={"tax_rate": "0.1900"}, headers=shop.admin))
    assert updated["tax_rate"] == "0.1900"
    shop.cart("EUR")
    assert_problem(client.post(f"/admin/regions/{eur['id']}", json={"currency_code": "GBP"}, headers=shop.admin),
                   409, "conflict")
    assert_problem(client.delete(f"/admin/regions/{eur['id']}", headers=shop.admin), 409, "conflict")
    spare = shop.region("GBP", "0.2000", ("GB",))
    assert client.delete(f"/admin/regions/{spare['id']}", headers=shop.admin).status_code == 204
    assert_problem(client.get(f"/admin/regions/{spare['id']}", headers=shop.admin), 404, "not-found")


def test_customer_registration_and_addresses(
    shop: Shop, client: TestClient, customer_headers: Callable[[], dict[str, str]]
) -> None:
    body = {"email": "dup@example.com", "password": "correct-horse-battery", "first_name": "A", "last_name": "B"}
    assert client.post("/store/customers", json=body, headers=shop.store).status_code == 201
    assert_problem(client.post("/store/customers", json=body, headers=shop.store), 409, "conflict")
    assert_problem(client.post("/store/customers", json={**body, "role": "admin"}, headers=shop.store),
                   422, "validation-failed")

    me, other = customer_headers(), customer_headers()
    assert shop.ok(client.get("/store/customers/me", headers=me))["full_name"] == "Grace Hopper"
    address = shop.ok(client.post("/store/customers/me/addresses", json=ADDRESS, headers=me), 201)
    assert address["id"].startswith("addr_")
    assert [a["id"] for a in shop.ok(client.get("/store/customers/me/addresses", headers=me))] == [address["id"]]
    assert shop.ok(client.get("/store/customers/me/addresses", headers=other)) == []
    assert_problem(client.get("/store/customers/me/addresses", headers=shop.store), 403, "forbidden")
    assert_problem(client.get("/store/orders", headers=shop.store), 403, "forbidden")
