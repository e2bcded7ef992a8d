"""The pools are sized to the workers, and a request never waits for a second connection of a pool while
holding its first (api/db.py: `Database.max_concurrent_requests`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import Database, DatabaseUrls, app_urls


def test_the_workers_share_the_connections_the_api_may_hold() -> None:
    assert Settings(_env_file=None, db_max_connections=60, web_concurrency=2).db_pool_size == 30
    assert Settings(_env_file=None, db_max_connections=60, web_concurrency=4).db_pool_size == 15
    assert Settings(_env_file=None, db_max_connections=60, web_concurrency=2, db_pool_size=7).db_pool_size == 7


def test_many_requests_holding_both_stores_never_starve_a_small_pool(
    urls: DatabaseUrls, settings: Settings, admin_headers: dict[str, str]
) -> None:
    small = settings.model_copy(update={"db_pool_size": 4, "db_pool_timeout_seconds": 3.0})
    database = Database(app_urls(urls, small), small)
    assert database.commerce_engine.pool.size() == 4  # type: ignore[attr-defined]
    assert database.max_concurrent_requests == 2  # one pool for both stores: two connections a request
    try:
        with TestClient(create_app(small, database), raise_server_exceptions=False) as client:

            def read(_: int) -> int:
                # An authenticated content read: a commerce connection (who is calling) and a content one.
                return client.get("/api/pages", params={"limit": 5}, headers=admin_headers).status_code

            with ThreadPoolExecutor(24) as pool:
                statuses = list(pool.map(read, range(96)))
        assert set(statuses) == {200}
    finally:
        database.dispose()
