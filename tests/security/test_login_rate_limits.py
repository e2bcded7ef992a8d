"""Finding 2: login guessing is limited per account and per IP, repeated failures lock the account for a
growing time, and the general rate limit counts unverified credentials against the caller's IP."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import Database
from tests.conftest import PASSWORD, assert_problem

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["in-process", "redis"])
def redis_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "in-process":
        yield None
        return
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield REDIS_URL
    connection.flushdb()


@pytest.fixture(autouse=True)
def one_window() -> None:
    """The limits count in fixed one-minute windows (`int(time // 60)`): a test that counts attempts starts far
    enough from the next window for all of them to fall in one (a run that crossed it counted 3 + 1)."""
    left = 60 - time.time() % 60
    if left < 20:
        time.sleep(left + 0.1)


def _client(settings: Settings, database: Database, **changes: Any) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes), database), raise_server_exceptions=False)


def test_junk_bearer_values_do_not_buy_fresh_buckets(
    settings: Settings, database: Database, redis_url: str | None
) -> None:
    with _client(settings, database, rate_limit_per_minute=5, redis_url=redis_url) as client:
        codes = [
            client.post(
                "/auth/token",
                json={"email": "nobody@example.com", "password": "guess"},
                headers={"Authorization": f"Bearer junk-{attempt}"},
            ).status_code
            for attempt in range(6)
        ]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429


def test_a_verified_credential_gets_its_own_budget(
    settings: Settings,
    database: Database,
    make_user: Callable[..., dict[str, Any]],
    redis_url: str | None,
) -> None:
    user = make_user()
    with _client(settings, database, rate_limit_per_minute=4, redis_url=redis_url) as client:
        token = client.post("/auth/token", json={"email": user["email"], "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert client.get("/auth/me", headers=headers).status_code == 200  # verified from now on
        for _ in range(2):  # the IP's budget (4) is used up by anonymous calls ...
            client.get("/auth/me")
        assert_problem(client.get("/auth/me"), 429, "rate-limited")
        # ... while the verified token still has a budget of its own.
        assert client.get("/auth/me", headers=headers).status_code == 200


def test_repeated_failures_lock_the_account_with_growing_retry_after(
    settings: Settings,
    database: Database,
    make_user: Callable[..., dict[str, Any]],
    redis_url: str | None,
) -> None:
    user = make_user()
    with _client(
        settings,
        database,
        redis_url=redis_url,
        login_failures_before_lockout=3,
        login_lockout_base_seconds=30,
        login_attempts_per_account_per_minute=100,
    ) as client:
        wrong = {"email": user["email"], "password": "not-the-password"}
        codes = [client.post("/auth/token", json=wrong).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        locked = client.post("/auth/token", json={"email": user["email"], "password": PASSWORD})
        assert_problem(locked, 429, "rate-limited")
        assert 1 <= int(locked.headers["retry-after"]) <= 30
        assert "access_token" not in locked.text
        # Another account from the same address is not locked.
        other = make_user()
        assert client.post("/auth/token", json={"email": other["email"], "password": PASSWORD}).status_code == 200


def test_lockout_doubles_with_each_further_failure(
    settings: Settings, database: Database, make_user: Callable[..., dict[str, Any]]
) -> None:
    user = make_user()
    with _client(settings, database, login_failures_before_lockout=1, login_lockout_base_seconds=1) as client:
        wrong = {"email": user["email"], "password": "not-the-password"}
        assert client.post("/auth/token", json=wrong).status_code == 401  # failure 1: locked for 1 s
        first = client.post("/auth/token", json=wrong)
        assert_problem(first, 429, "rate-limited")
        assert first.headers["retry-after"] == "1"
        time.sleep(1.1)  # the lock ends; the next failure locks for twice as long
        assert client.post("/auth/token", json=wrong).status_code == 401
        second = client.post("/auth/token", json=wrong)
        assert_problem(second, 429, "rate-limited")
        assert second.headers["retry-after"] == "2"


def test_login_attempts_are_limited_per_account_and_per_ip(
    settings: Settings, database: Database, make_user: Callable[..., dict[str, Any]]
) -> None:
    user = make_user()
    with _client(
        settings,
        database,
        login_attempts_per_account_per_minute=3,
        login_attempts_per_ip_per_minute=6,
        login_failures_before_lockout=100,
    ) as client:
        right = {"email": user["email"], "password": PASSWORD}
        codes = [client.post("/auth/token", json=right).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        # Guessing across many accounts from one address stops at the IP limit.
        spread = [
            client.post("/auth/token", json={"email": f"u{n}@example.com", "password": "x"}).status_code
            for n in range(4)
        ]
        assert spread[:2] == [401, 401]
        assert spread[2:] == [429, 429]


def test_the_sign_in_page_shares_the_login_throttle(
    settings: Settings, database: Database, make_user: Callable[..., dict[str, Any]]
) -> None:
    import re

    user = make_user()
    with _client(settings, database, login_failures_before_lockout=2, login_lockout_base_seconds=30) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text)
        assert token, form.text[:500]
        wrong = {"email": user["email"], "password": "not-the-password", "csrf_token": token.group(1)}
        codes = [client.post("/login", data=wrong, follow_redirects=False).status_code for _ in range(2)]
        assert codes == [401, 401]
        locked = client.post("/login", data={**wrong, "password": PASSWORD}, follow_redirects=False)
        assert locked.status_code == 429
        assert 1 <= int(locked.headers["retry-after"]) <= 30
        # The API's /auth/token sees the same lock-out.
        api = client.post("/auth/token", json={"email": user["email"], "password": PASSWORD})
        assert_problem(api, 429, "rate-limited")
