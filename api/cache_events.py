"""The version of each store, pushed to every API worker by PostgreSQL `LISTEN/NOTIFY`.

Triggers (migrations `*_cache_notify`) raise `NOTIFY store_changes, '<store>'` in every transaction that
changes something a public reader could see, the outbox included; PostgreSQL delivers it when, and only
when, that transaction commits. Each worker keeps one listening connection per database in a thread and
moves the store's version on every notification, so a cached answer is known to be valid without a query.

Safe fallback: while a listener is not connected its stores have no version (`current()` is None), and
callers then build every answer fresh and keep none. A reconnect starts a new version for its stores (what
changed while the channel was down is unknown), so nothing cached before the drop is ever served again.
A notification that has reached the socket but is not yet applied also counts as "unknown".
"""

from __future__ import annotations

import itertools
import logging
import os
import select
import threading
import uuid
from collections.abc import Iterable

import psycopg

from api.db import DatabaseUrls, Domain, libpq_url

log = logging.getLogger(__name__)

CHANNEL = "store_changes"
# TCP keepalives notice a silently dropped server within about 10 s.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2,
             "connect_timeout": 5}
RECONNECT_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class StoreVersions:
    """The current version of each store in this process; None while it cannot be known."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[Domain, str | None] = {domain: None for domain in Domain}
        self._counter = itertools.count()
        self._prefix = f"{os.getpid()}-{uuid.uuid4().hex[:8]}-"
        self._sockets: dict[int, tuple[Domain, ...]] = {}

    def current(self, domain: Domain) -> str | None:
        version = self._versions[domain]
        if version is None:
            return None
        sockets = list(self._sockets)
        try:
            pending = select.select(sockets, [], [], 0)[0] if sockets else []
        except (OSError, ValueError):  # a listener closed its socket just now
            return None
        return None if pending else version

    def moved(self, domains: Iterable[Domain]) -> None:
        with self._lock:
            for domain in domains:
                self._versions[domain] = self._prefix + str(next(self._counter))

    def connected(self, socket: int, domains: tuple[Domain, ...]) -> None:
        with self._lock:
            self._sockets[socket] = domains
        self.moved(domains)

    def disconnected(self, socket: int | None, domains: tuple[Domain, ...]) -> None:
        with self._lock:
            if socket is not None:
                self._sockets.pop(socket, None)
            for domain in domains:
                self._versions[domain] = None


class ChangeListener(threading.Thread):
    """One listening connection to one database, kept open (reconnecting with back-off) until `stop()`."""

    def __init__(self, url: str, domains: tuple[Domain, ...], versions: StoreVersions) -> None:
        super().__init__(name=f"change-listener-{'-'.join(domains)}", daemon=True)
        self.url = libpq_url(url)
        self.domains = domains
        self.versions = versions
        self._wake_read, self._wake_write = os.pipe()
        self._stopping = threading.Event()
        self.ready = threading.Event()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        os.write(self._wake_write, b"x")
        self.join(timeout)
        os.close(self._wake_read)
        os.close(self._wake_write)

    def run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                self._listen()
                attempt = 0
            except psycopg.Error as exc:
                log.warning("store change listener lost its connection", extra={"error": str(exc)})
            if self._stopping.is_set():
                return
            # The wake pipe cuts the back-off short on stop().
            select.select([self._wake_read], [], [], RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
            attempt += 1

    def _listen(self) -> None:
        socket: int | None = None
        try:
            with psycopg.connect(self.url, autocommit=True, **KEEPALIVE) as conn:  # type: ignore[arg-type]
                conn.execute(f"LISTEN {CHANNEL}")
                socket = conn.fileno()
                self.versions.connected(socket, self.domains)
                self.ready.set()
                pgconn = conn.pgconn
                while not self._stopping.is_set():
                    readable = select.select([socket, self._wake_read], [], [])[0]
                    if self._wake_read in readable:
                        return
                    pgconn.consume_input()
                    if pgconn.status != psycopg.pq.ConnStatus.OK:
                        raise psycopg.OperationalError("the listening connection closed")
                    moved: set[Domain] = set()
                    while (note := pgconn.notifies()) is not None:
                        store = note.extra.decode()
                        if store in Domain.__members__:
                            moved.add(Domain(store))
                    self.versions.moved(moved & set(self.domains))
        finally:
            self.versions.disconnected(socket, self.domains)


def start_listeners(urls: DatabaseUrls, versions: StoreVersions) -> list[ChangeListener]:
    """One listener per database (both stores share one when they share a database)."""
    groups: dict[str, tuple[Domain, ...]] = {}
    for domain in Domain:
        url = getattr(urls, domain.value)
        groups[url] = (*groups.get(url, ()), domain)
    listeners = [ChangeListener(url, domains, versions) for url, domains in groups.items()]
    for listener in listeners:
        listener.start()
    return listeners
