"""A repeat public catalog read is answered before routing (api.cache.SharedAnswersMiddleware), and only while
the answer and the publishable key behind it still stand."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.commerce.conftest import Shop


def shared(result: str) -> float:
    value = REGISTRY.get_sample_value("marketplace_cache_lookups_total", {"cache": "shared", "result": result})
    return value or 0.0


def read_until_kept(shop: Shop, url: str, params: dict[str, str], headers: dict[str, str]) -> None:
    """Reads until one is answered from a kept answer (another test's late write may move the version once)."""
    for _ in range(5):
        hits = shared("hit")
        assert shop.client.get(url, params=params, headers=headers).status_code == 200
        if shared("hit") == hits + 1:
            return
    pytest.fail("no read was answered from a kept answer")


def requests_of(route: str) -> float:
    value = REGISTRY.get_sample_value(
        "marketplace_http_requests_total", {"method": "GET", "route": route, "status": "200"}
    )
    return value or 0.0


def test_a_repeat_read_is_answered_before_routing_and_follows_every_change(shop: Shop) -> None:
    shop.region("EUR")
    vendor = shop.vendor()
    product = shop.product(vendor["id"], title="Shared Lamp", stock=3)
    url, params = "/store/products", {"currency_code": "EUR"}

    first = shop.client.get(url, params=params, headers=shop.store)
    counted, unmatched = requests_of("/store/products"), requests_of("unmatched")
    read_until_kept(shop, url, params, shop.store)
    again = shop.client.get(url, params=params, headers=shop.store)
    # Counted under its route template, like an answer the route gave itself.
    assert requests_of("/store/products") >= counted + 2 and requests_of("unmatched") == unmatched
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == "application/json"
    assert again.headers["x-request-id"] and again.headers["x-content-type-options"] == "nosniff"

    unchanged = shop.client.get(url, params=params, headers={**shop.store, "If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.headers["etag"] == first.headers["etag"]
    assert unchanged.content == b""

    shop.ok(shop.client.post(f"/admin/products/{product['id']}", json={"title": "Renamed Lamp"}, headers=shop.admin))
    renamed = shop.ok(shop.client.get(url, params=params, headers=shop.store))
    assert [p["title"] for p in renamed["items"]] == ["Renamed Lamp"]
    assert shop.ok(shop.client.get(url, params=params, headers=shop.store)) == renamed


def test_a_revoked_publishable_key_is_refused_even_for_a_kept_answer(shop: Shop) -> None:
    shop.region("EUR")
    shop.product(shop.vendor()["id"], title="Kept Lamp")
    created = shop.client.post("/admin/api-keys", json={"name": "kiosk", "kind": "publishable"}, headers=shop.admin)
    assert created.status_code == 201, created.text
    key = created.json()
    headers = {"x-publishable-api-key": key["secret"]}
    params = {"currency_code": "EUR"}
    read_until_kept(shop, "/store/products", params, headers)

    assert shop.client.post(f"/admin/api-keys/{key['id']}/revoke", headers=shop.admin).status_code == 200
    refused = shop.client.get("/store/products", params=params, headers=headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    # Another key keeps its own answers.
    assert shop.client.get("/store/products", params=params, headers=shop.store).status_code == 200


def test_a_read_with_credentials_or_cookies_is_never_answered_from_another_callers_answer(shop: Shop) -> None:
    shop.region("EUR")
    shop.product(shop.vendor()["id"], title="Private Lamp")
    params = {"currency_code": "EUR"}
    shop.client.get("/store/products", params=params, headers=shop.store)
    shop.client.get("/store/products", params=params, headers=shop.store)
    hits, misses = shared("hit"), shared("miss")
    # A bearer token (here the admin's) and a cookie each make the request the route's own to answer.
    assert shop.client.get("/store/products", params=params, headers={**shop.store, **shop.admin}).status_code == 200
    with_cookie = {**shop.store, "Cookie": "mp_session=anything"}
    assert shop.client.get("/store/products", params=params, headers=with_cookie).status_code == 200
    assert (shared("hit"), shared("miss")) == (hits, misses)
    # A bad query never becomes a kept answer: it is refused every time.
    for _ in range(2):
        assert shop.client.get("/store/products", params={"limit": "x"}, headers=shop.store).status_code == 422
