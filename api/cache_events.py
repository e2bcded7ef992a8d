"""The version of each store, pushed to every API worker by PostgreSQL `LISTEN/NOTIFY`, or by Redis pub/sub
where REDIS_URL is configured.

Triggers (migrations `*_cache_notify`) raise `NOTIFY store_changes, '<store>'` in every transaction that
changes something a public reader could see, the outbox included; PostgreSQL delivers it when, and only
when, that transaction commits. The tables that say who a key or a login token stands for also name the
`access` store (`api.db.Store`, migration `0015_access_notify`), the version kept actors hold for. Each worker
keeps one listening connection per database in a thread and moves the store's version on every notification, so
a cached answer is known to be valid without a query.

Safe fallback: while a listener is not connected its stores have no version (`current()` is None), and
callers then build every answer fresh and keep none. A reconnect starts a new version for its stores (what
changed while the channel was down is unknown), so nothing cached before the drop is ever served again.
A reader applies the notifications that have reached a listener's socket before it reads the versions
(`StoreVersions.snapshot`): a change whose notification has reached this worker is seen by its next reader, and
a notification in flight for one store leaves the others' cached answers standing. (A Redis subscription is
drained by its listener's thread only, since redis-py reconnects inside `get_message`: while something waits on
it, a reader counts its stores unknown.)

The same triggers also name their store in the transaction-local setting `app.changed_stores`: every
process that writes through `api.db.Database` (API, CLI, Dagster) reads it just before the commit of a
transaction that wrote and, once the commit is done, moves its own versions at once (a worker reads its
own writes without waiting for the notification) and, with Redis, publishes those stores on the Redis
channel. Each worker then holds one Redis subscription instead of one database connection, with the same
fallback: no version while unsubscribed, a new version on every resubscribe. Every writing process must
have REDIS_URL set (one `.env`); a write that bypasses `Database` (psql) is heard only through
LISTEN/NOTIFY. Once a transaction has noted every store a trigger names, the trigger's `WHEN` condition skips
its function (api/migrations/store_changes.py): a checkout writes eight such tables and enters PL/pgSQL once.
"""

from __future__ import annotations

import itertools
import logging
import os
import select
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
import redis
from sqlalchemy import make_url

from api.db import DatabaseUrls, Domain, Store, libpq_url

log = logging.getLogger(__name__)

CHANNEL = "store_changes"
# TCP keepalives notice a silently dropped server within about 10 s.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2,
             "connect_timeout": 5}
RECONNECT_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class ListenerLost(Exception):
    """A reader found a listener's connection broken (`StoreVersions.snapshot`): the listener reconnects."""


# Reads the notifications already on a listener's socket, without waiting, and names the stores they announce;
# raises when the connection is broken.
Drain = Callable[[], set[Store]]


def notifications(conn: psycopg.Connection[Any]) -> Drain:
    """The `Drain` of a connection that LISTENs on the store channel."""
    pgconn = conn.pgconn

    def drain() -> set[Store]:
        pgconn.consume_input()
        if pgconn.status != psycopg.pq.ConnStatus.OK:
            raise psycopg.OperationalError("the listening connection closed")
        moved: set[Store] = set()
        while (note := pgconn.notifies()) is not None:
            store = note.extra.decode()
            if store in Store.__members__:
                moved.add(Store(store))
        return moved

    return drain


@dataclass(frozen=True)
class Listening:
    """A listener's socket as `StoreVersions` knows it."""

    stores: tuple[Store, ...]
    drain: Drain
    # Whether a reader may drain it: only where draining never waits (redis-py reconnects inside get_message,
    # with back-off, so a reader counts the stores of a Redis socket with something on it unknown instead).
    readers_drain: bool
    # Wakes the listener's thread when a reader found its connection broken (a closed socket does not wake a
    # select() waiting on it in another thread).
    lost: Callable[[], None]


class StoreVersions:
    """The current version of each store in this process; None while it cannot be known.

    Each listener registers its socket (`Listening`). The listener threads and the readers drain the sockets
    under one lock, so a snapshot includes every notification that had reached this process when it was taken:
    the change may be the reader's own, made through another worker a moment ago."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, str | None] = {store: None for store in Store}
        self._counter = itertools.count()
        self._prefix = f"{os.getpid()}-{uuid.uuid4().hex[:8]}-"
        self._listening: dict[int, Listening] = {}

    def current(self, store: str) -> str | None:
        return self.snapshot()[store]

    def snapshot(self) -> dict[str, str | None]:
        """Every store's version at once, after applying the notifications already on the listeners' sockets
        (one poll for all). A connection found broken makes its stores unknown, and its listener reconnects."""
        with self._lock:
            unknown: set[Store] = set()
            if self._listening:
                try:
                    pending = select.select(list(self._listening), [], [], 0)[0]
                except (OSError, ValueError):  # a socket closed just now: let each drain tell
                    pending = list(self._listening)
                for socket in pending:
                    listening = self._listening[socket]
                    if not listening.readers_drain:
                        unknown.update(listening.stores)
                        continue
                    try:
                        self._apply(socket)
                    except (psycopg.Error, redis.RedisError, OSError):
                        listening.lost()
            versions = dict(self._versions)
        versions.update(dict.fromkeys(unknown))
        return versions

    def heard(self, socket: int) -> None:
        """A listener's socket became readable: apply what is on it (raises when its connection is broken)."""
        with self._lock:
            self._apply(socket)

    def moved(self, stores: Iterable[str]) -> None:
        with self._lock:
            self._move(stores)

    def connected(self, socket: int, listening: Listening) -> None:
        with self._lock:
            self._listening[socket] = listening
            self._move(listening.stores)

    def disconnected(self, socket: int | None, stores: tuple[Store, ...]) -> None:
        with self._lock:
            if socket is not None:
                self._listening.pop(socket, None)
            self._forget(stores)

    def _apply(self, socket: int) -> None:
        if socket not in self._listening:
            raise ListenerLost(f"socket {socket} is no longer listened to")
        listening = self._listening[socket]
        try:
            moved = listening.drain()
        except BaseException:
            del self._listening[socket]
            self._forget(listening.stores)
            raise
        self._move(moved & set(listening.stores))

    def _move(self, stores: Iterable[str]) -> None:
        for store in stores:
            self._versions[store] = self._prefix + str(next(self._counter))

    def _forget(self, stores: Iterable[str]) -> None:
        for store in stores:
            self._versions[store] = None


class ChangeListener(threading.Thread):
    """One listening connection to one database, kept open (reconnecting with back-off) until `stop()`."""

    def __init__(self, url: str, stores: tuple[Store, ...], versions: StoreVersions) -> None:
        super().__init__(name=f"change-listener-{'-'.join(stores)}", daemon=True)
        self.url = url
        self.stores = stores
        self.versions = versions
        self._wake_read, self._wake_write = os.pipe()
        self._stopping = threading.Event()
        self.ready = threading.Event()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake()
        self.join(timeout)
        os.close(self._wake_read)
        os.close(self._wake_write)

    def run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                self._listen()
                attempt = 0
            except (psycopg.Error, redis.RedisError, ListenerLost) as exc:
                log.warning("store change listener lost its connection", extra={"error": str(exc)})
            if self._stopping.is_set():
                return
            # The wake pipe cuts the back-off short on stop().
            select.select([self._wake_read], [], [], RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
            attempt += 1

    def _wake(self) -> None:
        os.write(self._wake_write, b"x")

    def _follow(self, socket: int) -> None:
        """Until stop(): apply what arrives on `socket` (registered with the versions)."""
        self.ready.set()
        while True:
            if self._wake_read in select.select([socket, self._wake_read], [], [])[0]:
                os.read(self._wake_read, 64)
                if self._stopping.is_set():
                    return
                raise ListenerLost("a reader found the listening connection broken")
            self.versions.heard(socket)

    def _listen(self) -> None:
        conn = psycopg.connect(libpq_url(self.url), autocommit=True, **KEEPALIVE)  # type: ignore[arg-type]
        socket: int | None = None
        try:
            conn.execute(f"LISTEN {CHANNEL}")
            socket = conn.fileno()
            listening = Listening(self.stores, notifications(conn), readers_drain=True, lost=self._wake)
            self.versions.connected(socket, listening)
            self._follow(socket)
        finally:
            # Before closing: no reader may drain a closed connection (or a socket number reused since).
            self.versions.disconnected(socket, self.stores)
            conn.close()


class RedisChangeListener(ChangeListener):
    """One subscription to the Redis channel of these databases (every store's changes arrive on it)."""

    def __init__(self, url: str, channel: str, versions: StoreVersions) -> None:
        super().__init__(url, tuple(Store), versions)
        self.channel = channel

    def _listen(self) -> None:
        socket: int | None = None
        client = redis.Redis.from_url(
            self.url, socket_connect_timeout=5, socket_keepalive=True, client_name=f"store-changes-{os.getpid()}"
        )
        pubsub = client.pubsub()
        try:
            pubsub.subscribe(self.channel)
            while (message := pubsub.get_message(timeout=5)) is None or message["type"] != "subscribe":
                if self._stopping.is_set():
                    return
            assert pubsub.connection is not None

            def drain() -> set[Store]:
                moved: set[Store] = set()
                # None once nothing is left to read; a closed connection raises ConnectionError.
                while (message := pubsub.get_message(timeout=0)) is not None:
                    data = message["data"]
                    store = data.decode() if isinstance(data, bytes) else str(data)
                    if message["type"] == "message" and store in Store.__members__:
                        moved.add(Store(store))
                return moved

            socket = pubsub.connection._sock.fileno()
            self.versions.connected(socket, Listening(self.stores, drain, readers_drain=False, lost=self._wake))
            self._follow(socket)
        finally:
            self.versions.disconnected(socket, self.stores)
            pubsub.close()
            client.close()


def redis_channel(urls: DatabaseUrls) -> str:
    """The channel of one deployment's store changes (several may share a Redis)."""
    return f"{CHANNEL}:{make_url(urls.commerce).database}:{make_url(urls.content).database}"


class ChangePublisher:
    """Publishes on Redis the stores each committed transaction of this process changed (the writing side
    of `RedisChangeListener`; `api.db.Database` calls it after the commit)."""

    def __init__(self, redis_url: str, channel: str) -> None:
        self.channel = channel
        self._client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)

    def publish(self, stores: Iterable[Store]) -> None:
        for store in stores:
            try:
                self._client.publish(self.channel, store.value)
            except redis.RedisError as exc:
                # The subscribers share this Redis: when it is gone they have no version and cache nothing.
                log.error("could not publish a store change", extra={"store": store.value, "error": str(exc)})

    def close(self) -> None:
        self._client.close()


def start_listeners(
    urls: DatabaseUrls, versions: StoreVersions, redis_url: str | None = None
) -> list[ChangeListener]:
    """One Redis subscription where Redis is configured; else one listener per database (both stores share
    one when they share a database)."""
    if redis_url:
        listener: ChangeListener = RedisChangeListener(redis_url, redis_channel(urls), versions)
        listener.start()
        return [listener]
    groups: dict[str, tuple[Store, ...]] = {}
    for domain in Domain:
        url = getattr(urls, domain.value)
        groups[url] = (*groups.get(url, ()), Store(domain))
    groups[urls.commerce] += (Store.access,)  # the access tables are in the commerce database
    listeners = [ChangeListener(url, stores, versions) for url, stores in groups.items()]
    for listener in listeners:
        listener.start()
    return listeners
