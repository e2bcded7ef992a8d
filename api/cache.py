"""Read caches for the hot public reads (catalog, regions, shipping options, volume pricing, the public
content API) and for the actors behind publishable keys and browser sessions (`ReadCache.kept_actor`).

An entry is valid for one version of its store (api/cache_events.py: moved by a PostgreSQL notification
from every transaction that changes what a reader could see), so a hit costs no database work at all.
Answers carry a strong `ETag` (a hash of the body, the same on every worker) and `Cache-Control: public,
no-cache`: clients and shared caches keep them and revalidate with `If-None-Match`, answered 304.

A repeat of a public read (no `Authorization`, no cookie) is answered before routing by `SharedAnswersMiddleware`:
the answer a route gave through `ReadCache.answer` is kept with the version it was built for, so the next
request for the same URL (and the same publishable key, while that key's actor is known valid) skips routing,
dependencies and the thread pool. The outer middleware (rate limit, request id, access log, metrics, security
headers) still runs for it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.actor import Actor
from api.cache_events import StoreVersions
from api.clock import utcnow
from api.db import Domain, Store
from api.observability.metrics import record_cache_lookup

T = TypeVar("T")
PUBLIC_CACHE_CONTROL = "public, no-cache"
# The store whose version a kept actor is valid for: API keys, users and login tokens (not the rest of commerce,
# whose orders and carts would end every kept actor many times a second).
ACTOR_STORE = Store.access


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

    def latest(self, key: str) -> tuple[str, T] | None:
        """The entry under `key` whatever its version (for a caller that learns the version from the value)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        return entry

    def holds(self, key: str, version: str) -> bool:
        """Whether `get` would hit (no recency or metrics change)."""
        with self._lock:
            entry = self._entries.get(key)
        return entry is not None and entry[0] == version

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
    return names_tag(request.headers.get("if-none-match"), tag)


def names_tag(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    return any(candidate.strip().removeprefix("W/") in (tag, "*") for candidate in if_none_match.split(","))


class ReadCache:
    """The serialised answers of one app (one worker), by store version and exact URL."""

    def __init__(self, versions: StoreVersions | None = None, max_entries: int = 4096) -> None:
        self.versions = versions or StoreVersions()
        self.answers: VersionedCache[tuple[bytes, str]] = VersionedCache(max_entries, name="answers")
        # One build per key at a time: concurrent misses of one URL wait for the first instead of all
        # running the same queries (the burst after every change).
        self._building: dict[str, threading.Lock] = {}
        self._building_lock = threading.Lock()
        # The actors of publishable keys and sessions (`kept_actor`), with until when each holds (None: until
        # the version moves).
        self.actors: VersionedCache[tuple[datetime | None, Actor]] = VersionedCache(max_entries, name="actors")

    def kept_actor(
        self, key: str, versions: Mapping[str, str | None], now: datetime | None = None
    ) -> Actor | None:
        """The actor kept under `key`, while the version it was read at still stands in `versions` (the caller's
        reading of the stores' versions) and its expiry has not passed (by `now`, default the clock); else None.

        An actor is read from the access tables (users, login tokens, API keys): any change there (a login or
        logout, a deactivated user, a revoked or rotated key) moves the `access` version and ends every kept actor."""
        version = versions[ACTOR_STORE]
        kept = self.actors.get(key, version) if version is not None else None
        if kept is None:
            return None
        until, actor = kept
        if until is not None and until <= (now if now is not None else utcnow()):
            return None
        return actor

    def keep_actor(
        self, key: str, versions: Mapping[str, str | None], actor: Actor, until: datetime | None
    ) -> None:
        """Keep `actor` under `key` for `kept_actor`: valid at the version in `versions` (read before the actor was
        looked up, so a change during the lookup leaves it unkept) and before `until` (None: no expiry of its own).
        Nothing is kept while the version is unknown."""
        version = versions[ACTOR_STORE]
        if version is not None:
            self.actors.put(key, version, (until, actor))

    def answer(self, request: Request, domain: Domain, build: Callable[[], bytes]) -> Response:
        """The JSON answer for this exact URL: from the cache while `domain` has not changed, else built
        (and kept, when the version is known). 304 when the client already holds it.

        Only for answers that depend on the URL (and the caller's publishable key being valid) alone: the
        answer is also served again before routing (`SharedAnswersMiddleware`), so a route whose answer reads
        another header or a cookie must not answer through here."""
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
        if version is not None:
            # The answer is the same for every public reader of this URL: the middleware may serve it again.
            request.state.shared_answer = (domain, version)
        headers = {"ETag": tag, "Cache-Control": PUBLIC_CACHE_CONTROL}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        return Response(content=body, media_type="application/json", headers=headers)


@dataclass(frozen=True)
class SharedAnswer:
    domain: Domain
    version: str
    headers: list[tuple[bytes, bytes]]  # as the route sent them (content type, ETag, Cache-Control, length)
    body: bytes
    etag: str
    route: Any  # the matched route, so metrics count the hit under its template


# Bigger answers are rare (a `limit=0` content list) and are left to the route's own cache.
MAX_SHARED_BODY = 512 * 1024
PUBLISHABLE_KEY = b"x-publishable-api-key"


class SharedAnswersMiddleware:
    """Answers a repeat public GET from the answer a route gave through `ReadCache.answer`, before routing.

    A request qualifies without `Authorization` and cookies (those may make an answer personal). Its key is
    the host, path, query and publishable key. A kept answer serves while its store's version stands and, for a
    publishable key, while the read cache still holds that key's actor for the current commerce version (the
    same test `api.deps` makes: revoking or rotating a key moves that version)."""

    def __init__(self, app: ASGIApp, cache: ReadCache, max_entries: int = 4096) -> None:
        self.app = app
        self.cache = cache
        self._answers: VersionedCache[SharedAnswer] = VersionedCache(max_entries, name="shared")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        host, publishable, if_none_match = b"", None, None
        for name, value in scope["headers"]:
            if name in (b"authorization", b"cookie"):
                await self.app(scope, receive, send)
                return
            if name == b"host":
                host = value
            elif name == PUBLISHABLE_KEY:
                publishable = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        key = f"{host.decode('latin-1')} {scope['path']}?{scope['query_string'].decode('latin-1')} {publishable}"
        answer = self._valid(key, publishable)
        if answer is not None:
            scope["route"] = answer.route
            await self._send(answer, if_none_match, send)
            return
        await self._answer_and_keep(key, scope, receive, send)

    def _valid(self, key: str, publishable: str | None) -> SharedAnswer | None:
        entry = self._answers.latest(key)
        hit = entry is not None and self._stands(entry[1], publishable)
        record_cache_lookup("shared", hit)
        return entry[1] if hit and entry is not None else None

    def _stands(self, answer: SharedAnswer, publishable: str | None) -> bool:
        versions = self.cache.versions.snapshot()
        if versions[answer.domain] != answer.version:
            return False
        if publishable is None:
            return True
        return self.cache.kept_actor(publishable, versions) is not None

    @staticmethod
    async def _send(answer: SharedAnswer, if_none_match: str | None, send: Send) -> None:
        if names_tag(if_none_match, answer.etag):
            headers = [(k, v) for k, v in answer.headers if k in (b"etag", b"cache-control")]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": list(answer.headers)})
        await send({"type": "http.response.body", "body": answer.body})

    async def _answer_and_keep(self, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        start: Message | None = None
        chunks: list[bytes] | None = []

        async def keeping_send(message: Message) -> None:
            nonlocal start, chunks
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and chunks is not None:
                chunks.append(message.get("body", b""))
                if sum(map(len, chunks)) > MAX_SHARED_BODY:
                    chunks = None
            await send(message)

        await self.app(scope, receive, keeping_send)
        shared = state.get("shared_answer")
        if shared is None or start is None or start["status"] != 200 or chunks is None:
            return
        headers = [(bytes(k).lower(), bytes(v)) for k, v in start.get("headers", [])]
        tag = next((v.decode("latin-1") for k, v in headers if k == b"etag"), None)
        if tag is None:
            return
        domain, version = shared
        answer = SharedAnswer(domain, version, headers, b"".join(chunks), tag, scope.get("route"))
        self._answers.put(key, version, answer)


def read_cache(request: Request) -> ReadCache:
    cache: ReadCache = request.app.state.read_cache
    return cache
