"""Kept actors (`ReadCache.kept_actor`): the actor of a publishable key or a browser session is used again only
while the access version it was read at stands (API keys, users, login tokens; not the rest of commerce) and its
own expiry (a token's, a rotated secret's overlap window) has not passed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.concurrency import run_in_threadpool

from api.auth import service as auth_service
from api.auth.actor import ANONYMOUS
from api.auth.models import ApiKey, AuthToken, Role
from api.cache import ReadCache
from api.clock import utcnow
from api.db import Database, Domain, Store
from api.regions.models import Region
from tests.conftest import assert_problem, commerce_statements


def until_kept(database: Database, table: str, call: Callable[[], Any]) -> None:
    """Calls until one answers without reading `table` (a late notification of the set-up's writes may move the
    version, or the listener may not have heard the first one yet)."""
    for _ in range(10):
        with commerce_statements(database, table) as seen:
            assert call().status_code == 200
        if not seen:
            return
        time.sleep(0.2)
    pytest.fail(f"every call read {table}")


def wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - utcnow()).total_seconds()) + 0.1)


def test_a_kept_actor_holds_while_its_version_stands_and_until_its_expiry() -> None:
    cache = ReadCache()
    now = utcnow()
    unknown = cache.versions.snapshot()
    cache.keep_actor("k", unknown, ANONYMOUS, None)  # an unknown version keeps nothing
    assert cache.kept_actor("k", unknown, now) is None

    cache.versions.moved(list(Store))
    read_at = cache.versions.snapshot()
    cache.keep_actor("k", read_at, ANONYMOUS, now + timedelta(minutes=1))
    cache.keep_actor("forever", read_at, ANONYMOUS, None)
    assert cache.kept_actor("k", read_at, now) is ANONYMOUS
    assert cache.kept_actor("k", read_at, now + timedelta(minutes=1)) is None  # the expiry is exclusive
    assert cache.kept_actor("forever", read_at, now + timedelta(days=365)) is ANONYMOUS
    assert cache.kept_actor("k", unknown, now) is None

    cache.versions.moved([Domain.content, Domain.commerce])  # other stores: the actors stand
    assert cache.kept_actor("k", cache.versions.snapshot(), now) is ANONYMOUS
    cache.versions.moved([Store.access])
    assert cache.kept_actor("k", cache.versions.snapshot(), now) is None
    assert cache.kept_actor("forever", cache.versions.snapshot(), now) is None


def heard(cache: ReadCache, store: Store, after: str | None) -> str:
    """The version of `store` once the listener has applied a change after the version `after`."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        version = cache.versions.current(store)
        if version is not None and version != after:
            return version
        time.sleep(0.05)
    pytest.fail(f"no change of {store} was heard")


def test_a_kept_key_actor_outlives_commerce_changes_but_not_a_change_to_a_key(
    app: Any, client: TestClient, database: Database, publishable_key: str
) -> None:
    cache: ReadCache = app.state.read_cache
    key = {"x-publishable-api-key": publishable_key}
    until_kept(database, "api_keys", lambda: client.get("/auth/me", headers=key))
    access = cache.versions.current(Store.access)

    # A change every storefront reader sees (as an order's events are): the commerce version moves, access stands.
    commerce = cache.versions.current(Store.commerce)
    with database.transaction(Domain.commerce) as session:
        session.execute(update(Region).values(name=Region.name))
    heard(cache, Store.commerce, commerce)
    time.sleep(0.5)  # the listener hears the commit's notification too (a version unknown meanwhile is no hit)
    assert cache.versions.current(Store.access) == access
    with commerce_statements(database, "api_keys") as seen:
        assert client.get("/auth/me", headers=key).status_code == 200
    assert not seen, "a commerce change ended the kept actor of a key"

    # A change to a key (any key: which one is not known without the lookup) moves the access version.
    with database.transaction(Domain.commerce) as session:
        session.execute(update(ApiKey).where(ApiKey.secret_hash == auth_service.sha256(publishable_key))
                        .values(scopes=ApiKey.scopes))
    heard(cache, Store.access, access)
    with commerce_statements(database, "api_keys") as seen:
        assert client.get("/auth/me", headers=key).status_code == 200
    assert seen, "a key's kept actor was used after a change to the keys"


def test_a_kept_session_ends_at_its_tokens_expiry_while_the_version_stands(
    client: TestClient, database: Database, make_user: Callable[..., dict[str, Any]],
    login: Callable[[dict[str, Any]], dict[str, str]],
) -> None:
    token = login(make_user(Role.customer))["Authorization"].removeprefix("Bearer ")
    expires = utcnow() + timedelta(seconds=4)  # a short-lived token, so that the test can outlive it
    with database.transaction(Domain.commerce) as session:
        session.execute(update(AuthToken).where(AuthToken.token_hash == auth_service.sha256(token))
                        .values(expires_at=expires))
    cookie = {"Cookie": f"mp_session={token}"}
    until_kept(database, "auth_tokens", lambda: client.get("/account", headers=cookie, follow_redirects=False))

    wait_until(expires)
    with commerce_statements(database, "auth_tokens") as seen:
        signed_out = client.get("/account", headers=cookie, follow_redirects=False)
    assert seen, "an expired kept session was used without looking its token up"
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")


def test_a_rotated_secrets_kept_actor_ends_with_its_overlap_window(
    client: TestClient, database: Database, admin_headers: dict[str, str]
) -> None:
    created = client.post("/admin/api-keys", json={"name": "kiosk", "kind": "publishable"}, headers=admin_headers)
    assert created.status_code == 201, created.text
    key = created.json()
    rotated = client.post(f"/admin/api-keys/{key['id']}/rotate", json={"overlap_seconds": 4}, headers=admin_headers)
    assert rotated.status_code == 200, rotated.text
    window_ends = utcnow() + timedelta(seconds=4)
    old = {"x-publishable-api-key": key["secret"]}
    new = {"x-publishable-api-key": rotated.json()["secret"]}
    until_kept(database, "api_keys", lambda: client.get("/auth/me", headers=old))
    until_kept(database, "api_keys", lambda: client.get("/auth/me", headers=new))

    wait_until(window_ends)
    with commerce_statements(database, "api_keys") as seen:
        assert_problem(client.get("/auth/me", headers=old), 401, "unauthorized")
    assert seen, "the previous secret's kept actor was used after its overlap window"
    # The current secret's actor has no expiry of its own: it is still kept.
    until_kept(database, "api_keys", lambda: client.get("/auth/me", headers=new))


def test_a_kept_session_is_not_reachable_through_the_publishable_key_header(
    client: TestClient, database: Database, make_user: Callable[..., dict[str, Any]],
    login: Callable[[dict[str, Any]], dict[str, str]],
) -> None:
    token = login(make_user(Role.customer))["Authorization"].removeprefix("Bearer ")
    cookie = {"Cookie": f"mp_session={token}"}
    until_kept(database, "auth_tokens", lambda: client.get("/account", headers=cookie, follow_redirects=False))
    # The session's entry is keyed by the token's digest, the value stored in the database: it is no key.
    forged = {"x-publishable-api-key": "session:" + auth_service.sha256(token)}
    assert_problem(client.get("/auth/me", headers=forged), 401, "unauthorized")


def test_a_session_costs_one_thread_hop_when_it_is_not_kept_and_none_when_it_is(
    client: TestClient, database: Database, make_user: Callable[..., dict[str, Any]],
    login: Callable[[dict[str, Any]], dict[str, str]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    hops: list[str] = []

    async def counted_hop(function: Callable[..., Any], *args: Any) -> Any:
        hops.append(function.__name__)
        return await run_in_threadpool(function, *args)

    monkeypatch.setattr("api.web.auth.run_in_threadpool", counted_hop)
    token = login(make_user(Role.customer))["Authorization"].removeprefix("Bearer ")
    cookie = {"Cookie": f"mp_session={token}"}
    assert client.get("/account", headers=cookie, follow_redirects=False).status_code == 200
    assert hops == ["_signed_in_actor"]  # the token's lookup and the tenant scope in one hop

    until_kept(database, "auth_tokens", lambda: client.get("/account", headers=cookie, follow_redirects=False))
    hops.clear()
    with commerce_statements(database, "auth_tokens") as seen:
        assert client.get("/account", headers=cookie, follow_redirects=False).status_code == 200
    if not seen:  # kept (a late notification may have moved the version just now)
        assert hops == []
