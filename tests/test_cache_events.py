"""The store-version listener: a notification moves the version; a dropped connection makes the version
unknown (no cached answer is served) until it reconnects, with a version never seen before."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg

from api.cache_events import StoreVersions, start_listeners
from api.db import Database, DatabaseUrls, Domain, Store, libpq_url


def wait(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def test_versions_follow_notifications_and_survive_a_dropped_connection(urls: DatabaseUrls) -> None:
    versions = StoreVersions()
    assert versions.current(Domain.commerce) is None  # nothing heard yet: nothing may be cached
    listeners = start_listeners(urls, versions)
    owner = libpq_url(urls.commerce)
    try:
        assert all(listener.ready.wait(30) for listener in listeners)
        first = versions.current(Domain.commerce)
        content = versions.current(Domain.content)
        assert first is not None and content is not None

        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute("SELECT pg_notify('store_changes', 'commerce')")
        assert wait(lambda: versions.current(Domain.commerce) not in (None, first))
        assert versions.current(Domain.content) == content  # the other store did not change
        second = versions.current(Domain.commerce)

        with psycopg.connect(owner, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND query = 'LISTEN store_changes'")
        assert wait(lambda: versions.current(Domain.commerce) is None)  # unknown while disconnected
        assert wait(lambda: versions.current(Domain.commerce) is not None)  # back, with a fresh version
        assert versions.current(Domain.commerce) not in (first, second)
        assert versions.current(Domain.content) not in (None, content)
    finally:
        for listener in listeners:
            listener.stop()
    assert versions.current(Domain.commerce) is None


def test_an_announced_change_moves_the_version_like_a_trigger(urls: DatabaseUrls, database: Database) -> None:
    """dbt rebuilding the marts changes no table with a trigger: the dbt assets announce it instead."""
    versions = StoreVersions()
    listeners = start_listeners(urls, versions)
    heard: list[list[Store]] = []
    database.change_subscribers.append(heard.append)
    try:
        assert all(listener.ready.wait(30) for listener in listeners)
        before = versions.current(Domain.commerce)
        content = versions.current(Domain.content)
        database.announce_change(Domain.commerce)
        assert heard == [[Domain.commerce]]  # this process's own readers (and Redis, where configured)
        assert wait(lambda: versions.current(Domain.commerce) not in (None, before))  # every LISTENing worker
        assert versions.current(Domain.content) == content
    finally:
        database.change_subscribers.remove(heard.append)
        for listener in listeners:
            listener.stop()
