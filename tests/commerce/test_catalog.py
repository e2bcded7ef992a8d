from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.db import Database
from tests.commerce.conftest import Shop
from tests.conftest import assert_problem, commerce_statements


def test_only_published_products_of_approved_vendors_are_in_the_store(shop: Shop, client: TestClient) -> None:
    approved, pending = shop.vendor(), shop.vendor(approve=False)
    visible = shop.product(approved["id"])
    draft = shop.product(approved["id"], status="draft")
    of_pending = shop.product(pending["id"])

    def store_ids() -> set[str]:
        return {p["id"] for p in shop.ok(client.get("/store/products", headers=shop.store))["items"]}

    assert store_ids() == {visible["id"]}
    for hidden in (draft, of_pending):
        assert_problem(client.get(f"/store/products/{hidden['id']}", headers=shop.store), 404, "not-found")
    admin = shop.ok(client.get("/admin/products", headers=shop.admin))
    assert admin["total"] == 3

    shop.ok(client.post(f"/admin/vendors/{approved['id']}/suspend", headers=shop.admin))
    assert store_ids() == set()
    shop.ok(client.post(f"/admin/vendors/{approved['id']}/approve", headers=shop.admin))
    shop.ok(client.post(f"/admin/products/{draft['id']}", json={"status": "published"}, headers=shop.admin))
    assert store_ids() == {visible["id"], draft["id"]}


def test_search_filters_sorting_and_paging(shop: Shop, client: TestClient) -> None:
    v1, v2 = shop.vendor(), shop.vendor()
    cheap = shop.product(v1["id"], title="Cheap Chair", prices={"EUR": 500, "USD": 600}, category_ids=("cat_seating",))
    mid = shop.product(v1["id"], title="Middle Table", prices={"EUR": 1500, "USD": 1700})
    dear = shop.product(v2["id"], title="Dear Chair", prices={"EUR": 9900}, category_ids=("cat_seating",))
    usd_region = shop.regions["USD"]["id"]

    def ids(**params: Any) -> list[str]:
        page = shop.ok(client.get("/store/products", params=params, headers=shop.store))
        return [p["id"] for p in page["items"]]

    assert set(ids(q="chair")) == {cheap["id"], dear["id"]}
    assert ids(q="100%_") == []
    assert set(ids(vendor_id=v1["id"])) == {cheap["id"], mid["id"]}
    assert set(ids(category_id="cat_seating")) == {cheap["id"], dear["id"]}
    assert ids(currency_code="EUR", price_min=1000, price_max=2000) == [mid["id"]]
    assert ids(sort="price", currency_code="EUR") == [cheap["id"], mid["id"], dear["id"]]
    assert ids(sort="-price", region_id=usd_region) == [mid["id"], cheap["id"], dear["id"]]  # no USD price: last
    assert ids(sort="title") == [cheap["id"], dear["id"], mid["id"]]
    assert ids(sort="-created_at") == [dear["id"], mid["id"], cheap["id"]]
    page = shop.ok(client.get("/store/products", params={"limit": 2, "offset": 2, "sort": "title"}, headers=shop.store))
    assert (page["total"], page["limit"], page["offset"], [p["id"] for p in page["items"]]) == (3, 2, 2, [mid["id"]])

    usd = shop.ok(client.get(f"/store/products/{dear['handle']}", params={"region_id": usd_region},
                             headers=shop.store))
    assert usd["variants"][0]["calculated_price"] is None
    eur = shop.ok(client.get(f"/store/products/{cheap['id']}", params={"currency_code": "EUR"}, headers=shop.store))
    assert eur["variants"][0]["calculated_price"] == {"currency_code": "EUR", "amount": 500}
    assert eur["variants"][0]["available_quantity"] == 10


def test_admin_product_crud_with_nested_variants_and_events(shop: Shop, client: TestClient) -> None:
    vendor = shop.vendor()
    product = shop.product(vendor["id"], title="Lamp", variants=2)
    keep, drop = product["variants"]
    assert product["version"] == 1 and product["vendor"]["id"] == vendor["id"]
    url = f"/admin/products/{product['id']}"
    update = {
        "title": "Desk Lamp",
        "options": [{"title": "Size", "values": ["S0", "S1", "XL"]}],
        "variants": [
            {"id": keep["id"], "title": "Small", "sku": keep["sku"], "options": {"Size": "S0"},
             "prices": [{"currency_code": "EUR", "amount": 1234}], "stocked_quantity": 7},
            {"title": "Large", "sku": "LAMP-XL", "options": {"Size": "XL"},
             "prices": [{"currency_code": "USD", "amount": 999}], "stocked_quantity": 2},
        ],
        "images": ["https://img.example.com/lamp.jpg"],
        "category_ids": ["cat_lighting"],
    }
    updated = shop.ok(client.post(url, json=update, headers=shop.admin))
    assert updated["title"] == "Desk Lamp" and updated["version"] == 2
    variants = {v["sku"]: v for v in updated["variants"]}
    assert set(variants) == {keep["sku"], "LAMP-XL"} and variants[keep["sku"]]["id"] == keep["id"]
    assert variants[keep["sku"]]["prices"] == [{"currency_code": "EUR", "amount": 1234}]
    assert variants[keep["sku"]]["inventory"]["stocked_quantity"] == 7
    assert variants["LAMP-XL"]["inventory"]["stocked_quantity"] == 2
    assert updated["images"] == ["https://img.example.com/lamp.jpg"] and updated["category_ids"] == ["cat_lighting"]
    assert_problem(client.get(f"/admin/inventory/{drop['id']}", headers=shop.admin), 404, "not-found")

    other = shop.product(vendor["id"])
    assert_problem(client.post(url, json={"handle": other["handle"]}, headers=shop.admin), 409, "conflict")
    clash = {**update["variants"][1], "sku": other["variants"][0]["sku"]}  # type: ignore[dict-item]
    assert_problem(client.post(url, json={"variants": [clash]}, headers=shop.admin), 409, "conflict")
    assert shop.ok(client.get(url, headers=shop.admin))["version"] == 2

    assert client.delete(url, headers=shop.admin).status_code == 204
    assert_problem(client.get(url, headers=shop.admin), 404, "not-found")
    events = [(e["topic"], e["payload"]["version"]) for e in shop.outbox() if e["entity_id"] == product["id"]]
    assert events == [("product.created", 1), ("product.updated", 2), ("product.deleted", 3)]
    created = next(e for e in shop.outbox("product.created") if e["entity_id"] == product["id"])["payload"]
    assert created["handle"] == product["handle"] and len(created["variants"]) == 2 and created["updated_at"]
    log = shop.ok(client.get("/admin/audit-log", params={"entity_id": product["id"]}, headers=shop.admin))
    assert {e["action"] for e in log["items"]} == {"product.created", "product.updated", "product.deleted"}


def test_store_listing_runs_a_fixed_number_of_queries(shop: Shop, client: TestClient, database: Database) -> None:
    vendors = [shop.vendor(), shop.vendor()]
    for i in range(2):
        shop.product(vendors[i % 2]["id"], variants=3)
    shop.ok(client.get("/store/regions", headers=shop.store))  # the key's first use is recorded once
    with commerce_statements(database) as few:
        shop.ok(client.get("/store/products", params={"region_id": shop.regions["EUR"]["id"]}, headers=shop.store))
    for i in range(10):
        shop.product(vendors[i % 2]["id"], variants=3)
    with commerce_statements(database) as many:
        page = shop.ok(client.get("/store/products", params={"region_id": shop.regions["EUR"]["id"]},
                                  headers=shop.store))
    assert page["total"] == 12
    # New products move the store's version, which also expires the key's cached actor (whenever the notification
    # arrives): the key's own lookups are not the listing's.
    few, many = ([s for s in found if "api_keys" not in s] for found in (few, many))
    assert len(many) == len(few) <= 12
