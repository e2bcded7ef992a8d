"""The read cache with Redis pub/sub as its channel (REDIS_URL configured): a change made through one app
instance is seen by another at its next read, and a dropped subscription never lets an answer cached before
the drop be served again (api/cache_events.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.cache import ReadCache
from api.cache_events import redis_channel
from api.config import Settings
from api.db import Database, DatabaseUrls, Domain, app_urls
from tests.commerce.conftest import Shop

SECONDS = 5.0


class Instance:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.cache: ReadCache = client.app.state.read_cache  # type: ignore[attr-defined]

    def subscribed(self) -> bool:
        return all(self.cache.versions.current(domain) is not None for domain in Domain)


@pytest.fixture
def instances(urls: DatabaseUrls, settings: Settings, redis_server_url: str) -> Iterator[list[Instance]]:
    """Two app instances, each with its own database pools (publishing) and its own Redis subscription."""
    shared = settings.model_copy(update={"redis_url": redis_server_url})
    with ExitStack() as stack:
        instances = []
        for _ in range(2):
            database = Database(app_urls(urls, shared), shared)
            stack.callback(database.dispose)
            client = stack.enter_context(TestClient(create_app(shared, database), raise_server_exceptions=False))
            instances.append(Instance(client))
        wait_until(lambda: all(instance.subscribed() for instance in instances))
        yield instances


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + SECONDS
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def titles(instance: Instance, shop: Shop) -> list[str]:
    response = instance.client.get("/store/products", params={"currency_code": "EUR"}, headers=shop.store)
    assert response.status_code == 200, response.text
    return [p["title"] for p in response.json()["items"]]


def test_a_change_through_one_instance_is_seen_by_the_other(
    shop: Shop, instances: list[Instance], urls: DatabaseUrls, redis_server_url: str
) -> None:
    first, second = instances
    connection = redis.Redis.from_url(redis_server_url)
    assert [count for _, count in connection.pubsub_numsub(redis_channel(urls))] == [2]
    product = shop.product(shop.vendor()["id"], title="Lamp", prices={"EUR": 1000})
    # The Redis instances subscribed before this change: on the channel, they heard nothing of it.
    wait_until(lambda: titles(second, shop) == ["Lamp"])
    hits = second.cache.answers.get("commerce /store/products?currency_code=EUR",
                                    second.cache.versions.current(Domain.commerce) or "")
    assert hits is not None  # the answer is now cached on the second instance

    admin = first.client.post(f"/admin/products/{product['id']}", json={"title": "Renamed Lamp"},
                              headers=shop.admin)
    assert admin.status_code == 200, admin.text
    wait_until(lambda: titles(second, shop) == ["Renamed Lamp"])
    assert titles(first, shop) == ["Renamed Lamp"]


def test_a_dropped_subscription_serves_nothing_cached_before_the_drop(
    shop: Shop, instances: list[Instance], redis_server_url: str
) -> None:
    _, second = instances
    product = shop.product(shop.vendor()["id"], title="Lamp", prices={"EUR": 1000})
    wait_until(lambda: titles(second, shop) == ["Lamp"])
    # A change the channel does not carry (the shop's own pools publish nothing): the cached answer stands.
    shop.ok(shop.client.post(f"/admin/products/{product['id']}", json={"title": "Unheard Lamp"}, headers=shop.admin))
    assert titles(second, shop) == ["Lamp"]

    before = second.cache.versions.current(Domain.commerce)
    connection = redis.Redis.from_url(redis_server_url)
    for client in connection.client_list(_type="pubsub"):
        if client["name"].startswith("store-changes-"):
            connection.client_kill_filter(_id=client["id"])
    # Resubscribed: the version moved, so whatever changed while the channel was down is read afresh.
    wait_until(lambda: second.cache.versions.current(Domain.commerce) not in (None, before))
    assert titles(second, shop) == ["Unheard Lamp"]
    assert titles(second, shop) == ["Unheard Lamp"]
