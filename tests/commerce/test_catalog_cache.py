from __future__ import annotations

from api.cache import VersionedCache
from tests.commerce.conftest import Shop


def test_cached_catalog_answers_follow_every_visible_change(shop: Shop) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    product = shop.product(vendor["id"], title="Cached Lamp", stock=3)
    url = "/store/products"
    params = {"currency_code": "EUR"}

    first = shop.ok(shop.client.get(url, params=params, headers=shop.store))
    assert [p["title"] for p in first["items"]] == ["Cached Lamp"]

    shop.ok(shop.client.post(f"/admin/products/{product['id']}", json={"title": "Renamed Lamp"}, headers=shop.admin))
    assert [p["title"] for p in shop.ok(shop.client.get(url, params=params, headers=shop.store))["items"]] == [
        "Renamed Lamp"
    ]
    detail = shop.ok(shop.client.get(f"{url}/{product['id']}", params=params, headers=shop.store))
    assert detail["variants"][0]["available_quantity"] == 3

    shop.ok(shop.client.post(f"/admin/vendors/{vendor['id']}/suspend", headers=shop.admin))
    assert shop.ok(shop.client.get(url, params=params, headers=shop.store))["items"] == []
    assert shop.client.get(f"{url}/{product['id']}", params=params, headers=shop.store).status_code == 404


def test_versioned_cache_serves_only_the_current_version_and_evicts_the_oldest() -> None:
    cache: VersionedCache[bytes] = VersionedCache(max_entries=2)
    cache.put("a", "v1", b"A")
    assert cache.get("a", "v1") == b"A"
    assert cache.get("a", "v2") is None
    cache.put("b", "v1", b"B")
    cache.get("a", "v1")
    cache.put("c", "v1", b"C")
    assert cache.get("b", "v1") is None
    assert cache.get("a", "v1") == b"A" and cache.get("c", "v1") == b"C"
