"""Read caches for the hot public reads (catalog, regions, shipping options, volume pricing, the public
content API) and for the actor behind a publishable key.

An entry is valid for one version of its store (api/cache_events.py: moved by a PostgreSQL notification
from every transaction that changes what a reader could see), so a hit costs no database work at all.
Answers carry a strong `ETag` (a hash of the body, the same on every worker) and `Cache-Control: public,
no-cache`: clients and shared caches keep them and revalidate with `If-None-Match`, answered 304.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from fastapi import Request, Response

from api.auth.actor import Actor
from api.cache_events import StoreVersions
from api.db import Domain
from api.observability.metrics import record_cache_lookup

T = TypeVar("T")
PUBLIC_CACHE_CONTROL = "public, no-cache"


class VersionedCache(Generic[T]):
    """Values by key, each valid for one version; least recently used entries go first."""

    def __init__(self, max_entries: int = 4096, name: str = "answers") -> None:
        self.name = name
        self._entries: OrderedDict[str, tuple[str, T]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: str, version: str) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            hit = entry is not None and entry[0] == version
            if hit:
                self._entries.move_to_end(key)
        record_cache_lookup(self.name, hit)
        return entry[1] if hit and entry is not None else None

    def put(self, key: str, version: str, value: T) -> None:
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


def etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def not_modified(request: Request, tag: str) -> bool:
    """Whether the client's `If-None-Match` already names this answer (weak comparison, RFC 9110)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    return any(candidate.strip().removeprefix("W/") in (tag, "*") for candidate in header.split(","))


class ReadCache:
    """The serialised answers of one app (one worker), by store version and exact URL."""

    def __init__(self, versions: StoreVersions | None = None, max_entries: int = 4096) -> None:
        self.versions = versions or StoreVersions()
        self.answers: VersionedCache[tuple[bytes, str]] = VersionedCache(max_entries, name="answers")
        # One build per key at a time: concurrent misses of one URL wait for the first instead of all
        # running the same queries (the burst after every change).
        self._building: dict[str, threading.Lock] = {}
        self._building_lock = threading.Lock()
        # The actor behind a publishable key, and until when it holds (None: until the version moves).
        self.actors: VersionedCache[tuple[datetime | None, Actor]] = VersionedCache(max_entries, name="actors")

    def version(self, domain: Domain) -> str | None:
        return self.versions.current(domain)

    def answer(self, request: Request, domain: Domain, build: Callable[[], bytes]) -> Response:
        """The JSON answer for this exact URL: from the cache while `domain` has not changed, else built
        (and kept, when the version is known). 304 when the client already holds it."""
        version = self.versions.current(domain)  # read before building: a change during the build moves it
        key = f"{domain.value} {request.url.path}?{request.url.query}"
        entry = self.answers.get(key, version) if version is not None else None
        if entry is None and version is not None:
            with self._building_lock:
                lock = self._building.setdefault(key, threading.Lock())
            with lock:
                entry = self.answers.get(key, version)
                if entry is None:
                    body = build()
                    entry = (body, etag(body))
                    self.answers.put(key, version, entry)
            with self._building_lock:
                if not lock.locked():
                    self._building.pop(key, None)
        elif entry is None:
            body = build()
            entry = (body, etag(body))
        body, tag = entry
        headers = {"ETag": tag, "Cache-Control": PUBLIC_CACHE_CONTROL}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        return Response(content=body, media_type="application/json", headers=headers)


def read_cache(request: Request) -> ReadCache:
    cache: ReadCache = request.app.state.read_cache
    return cache
