"""The store-version listener: a notification moves the version (applied by the first reader that finds it on the
socket); a dropped connection makes the version unknown (no cached answer is served) until it reconnects, with a
version never seen before."""

from __future__ import annotations

import select
import time
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from api.cache_events import CHANNEL, ListenerLost, Listening, StoreVersions, notifications, start_listeners
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


def _readable(socket: int) -> bool:
    return wait(lambda: bool(select.select([socket], [], [], 0)[0]))


def test_a_reader_applies_what_reached_the_socket_and_only_for_its_store(urls: DatabaseUrls) -> None:
    """No listener thread here: the notification waits on the socket, and the reader's snapshot applies it. A
    notification for one store leaves the others' versions (and what is cached under them) standing."""
    versions = StoreVersions()
    owner = libpq_url(urls.commerce)
    with psycopg.connect(owner, autocommit=True) as listening, psycopg.connect(owner, autocommit=True) as writer:
        listening.execute(f"LISTEN {CHANNEL}")
        socket = listening.fileno()
        lost: list[bool] = []
        versions.connected(
            socket, Listening((Store.commerce, Store.access), notifications(listening), readers_drain=True,
                              lost=lambda: lost.append(True))
        )
        before = versions.snapshot()
        assert before[Store.commerce] is not None and before[Store.access] is not None

        writer.execute("SELECT pg_notify('store_changes', 'commerce')")
        assert _readable(socket)
        after = versions.snapshot()
        assert after[Store.commerce] not in (None, before[Store.commerce])
        assert after[Store.access] == before[Store.access]
        assert after[Store.content] is None  # nobody listens for it here
        assert versions.snapshot() == after  # applied once: nothing is left on the socket

        writer.execute("SELECT pg_notify('store_changes', 'content')")  # not a store this socket carries
        assert _readable(socket)
        assert versions.snapshot() == after

        writer.execute("SELECT pg_terminate_backend(%s)", (listening.info.backend_pid,))
        # The readers find the connection gone (the server's farewell comes first, then the close): its stores
        # are unknown, and no reader sees an error.
        assert wait(lambda: versions.snapshot()[Store.commerce] is None)
        assert versions.snapshot()[Store.access] is None
        assert lost == [True]  # the listener's thread is woken to reconnect
        with pytest.raises(ListenerLost):  # and its listener thread, when it looks
            versions.heard(socket)


def test_a_listener_woken_by_a_reader_reconnects(urls: DatabaseUrls) -> None:
    """A reader that finds the listening connection broken closes nothing the listener's select() would notice
    (libpq drops the socket): it wakes the listener instead, which reconnects with a new version."""
    versions = StoreVersions()
    listeners = start_listeners(urls, versions)
    try:
        assert all(listener.ready.wait(30) for listener in listeners)
        first = versions.current(Domain.commerce)
        assert first is not None
        [listening] = [entry for entry in versions._listening.values() if Store.commerce in entry.stores]
        listening.lost()  # as `snapshot` does when the drain raised
        assert wait(lambda: versions.current(Domain.commerce) not in (None, first))
    finally:
        for listener in listeners:
            listener.stop()


def test_a_writing_transaction_reads_its_stores_with_its_commit_and_a_failed_commit_keeps_nothing(
    owner_database: Database,
) -> None:
    """The stores a transaction changed are read in its COMMIT's round trip (`api.db._read_changed_stores`); a
    COMMIT that fails there raises SQLAlchemy's error for it, and nothing of the transaction stays."""
    heard: list[list[Store]] = []
    owner_database.change_subscribers.append(heard.append)
    try:
        with owner_database.transaction(Domain.commerce) as session:
            session.execute(text("CREATE TEMP TABLE written (x int)"))
            session.execute(text("SELECT set_config('app.changed_stores', 'commerce', true)"))  # as a trigger does
        assert heard == [[Domain.commerce]]
        with (pytest.raises(IntegrityError, match="duplicate key"),
              owner_database.transaction(Domain.commerce) as session):
            session.execute(text("CREATE TABLE commit_lost (x int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED)"))
            session.execute(text("INSERT INTO commit_lost VALUES (1), (1)"))  # checked at COMMIT only
        assert heard == [[Domain.commerce]]
        with owner_database.transaction(Domain.commerce) as session:
            assert session.scalar(text("SELECT to_regclass('commit_lost')")) is None
    finally:
        owner_database.change_subscribers.remove(heard.append)


def test_a_store_change_trigger_enters_plpgsql_once_per_store_and_transaction(owner_database: Database) -> None:
    """A `notify_store_change` trigger is skipped by its `WHEN` condition once every store it names is noted in the
    transaction (api/migrations/store_changes.py); a table that names one more store still calls it."""
    calls = "SELECT pg_stat_get_xact_function_calls('commerce.notify_store_change'::regproc)"
    with owner_database.transaction(Domain.commerce) as session:
        session.execute(text("SET LOCAL track_functions = 'pl'"))
        # Statements on three tables with the trigger (a statement trigger fires even for no row): the first
        # notes `commerce`.
        for table in ("outbox_events", "regions", "products"):
            session.execute(text(f"UPDATE commerce.{table} SET id = id WHERE false"))
        assert session.scalar(text(calls)) == 1
        assert session.scalar(text("SELECT current_setting('app.changed_stores')")) == "commerce"
        session.execute(text("UPDATE commerce.users SET id = id WHERE false"))  # names `access` too
        assert session.scalar(text(calls)) == 2
        assert session.scalar(text("SELECT current_setting('app.changed_stores')")) == "commerce,access"
        session.execute(text("UPDATE commerce.auth_tokens SET id = id WHERE false"))
        assert session.scalar(text(calls)) == 2
        session.rollback()
