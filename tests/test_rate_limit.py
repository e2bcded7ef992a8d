from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import Database
from tests.conftest import assert_problem


def _limited_client(settings: Settings, database: Database, redis_url: str | None) -> TestClient:
    limited = settings.model_copy(update={"rate_limit_per_minute": 5, "redis_url": redis_url})
    return TestClient(create_app(limited, database), raise_server_exceptions=False)


@pytest.fixture
def fresh_redis(redis_server_url: str) -> Iterator[str]:
    connection = redis.Redis.from_url(redis_server_url)
    connection.flushdb()
    yield redis_server_url
    connection.flushdb()


@pytest.mark.parametrize("backend", ["in-process", "redis"])
def test_429_with_retry_after_once_the_limit_is_used(
    backend: str, settings: Settings, database: Database, request: pytest.FixtureRequest
) -> None:
    redis_url = request.getfixturevalue("fresh_redis") if backend == "redis" else None
    with _limited_client(settings, database, redis_url) as client:
        answers = [client.get("/auth/me", headers={"Authorization": "Bearer sk_someone"}) for _ in range(6)]
        assert [a.status_code for a in answers[:5]] == [401] * 5
        assert answers[0].headers["ratelimit-limit"] == "5"
        assert answers[4].headers["ratelimit-remaining"] == "0"
        body = assert_problem(answers[5], 429, "rate-limited")
        assert 1 <= int(answers[5].headers["retry-after"]) <= 60
        assert "5 requests" in body["detail"]

        # An unverified credential is counted against the IP, so another junk value buys nothing;
        # health checks are never limited.
        assert client.get("/auth/me", headers={"Authorization": "Bearer sk_other"}).status_code == 429
        assert all(client.get("/health").status_code == 200 for _ in range(10))


def test_anonymous_callers_are_limited_by_ip(settings: Settings, database: Database) -> None:
    with _limited_client(settings, database, None) as client:
        codes = [client.get("/auth/me").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_the_redis_counter_is_shared_between_app_instances(
    settings: Settings, database: Database, fresh_redis: str
) -> None:
    headers = {"Authorization": "Bearer sk_shared"}
    with _limited_client(settings, database, fresh_redis) as first, _limited_client(
        settings, database, fresh_redis
    ) as second:
        codes = [first.get("/auth/me", headers=headers).status_code for _ in range(3)]
        codes += [second.get("/auth/me", headers=headers).status_code for _ in range(3)]
    assert codes == [401] * 5 + [429]
