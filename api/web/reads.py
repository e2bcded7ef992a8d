"""Reads that pages keep between requests: a value built from one or both stores, kept while those stores have
not changed (the versions the read cache of the API follows, pushed by PostgreSQL notifications), so a page
answered from it opens no database connection at all. An unknown version (the change listener is not connected)
means: read every time.

Keep plain values (views, dicts, column-only rows): a kept ORM object must never need a lazy load."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.cache import VersionedCache, read_cache
from api.db import Domain

T = TypeVar("T")

_kept: VersionedCache[Any] = VersionedCache(max_entries=4096, name="pages")
# What most page reads follow: the content and the commerce store.
BOTH_STORES = (Domain.content, Domain.commerce)


def store_versions(request: Request) -> dict[Domain, str | None]:
    """The stores' versions for this request's reads: taken once per GET (a page may keep several reads), every
    time for other methods (a form post may change a store, then read it back)."""
    if request.method not in ("GET", "HEAD"):
        return read_cache(request).versions.snapshot()
    known: dict[Domain, str | None] | None = getattr(request.state, "store_versions", None)
    if known is None:
        known = read_cache(request).versions.snapshot()
        request.state.store_versions = known
    return known


def _version(request: Request, domains: tuple[Domain, ...]) -> str | None:
    versions = [store_versions(request)[domain] for domain in domains]
    return None if any(v is None for v in versions) else "|".join(str(v) for v in versions)


def is_kept(request: Request, key: str, *domains: Domain) -> bool:
    """Whether `kept_read(request, key, ..., *domains)` would answer without building."""
    version = _version(request, domains)
    return version is not None and _kept.holds(key, version)


async def on_loop_when_kept(request: Request, reads: Iterable[tuple[str, tuple[Domain, ...]]],
                            answer: Callable[[], T]) -> T:
    """`answer()` on the event loop when every read it keeps (key, stores) is already kept, so it does no I/O;
    else in a worker thread, as FastAPI runs a sync route. A page served from kept reads then never waits for a
    thread (nor takes turns for the GIL with them): a busy worker answers such pages in arrival order."""
    if all(is_kept(request, key, *domains) for key, domains in reads):
        return answer()
    return await run_in_threadpool(answer)


def kept_read(request: Request, key: str, build: Callable[[], T], *domains: Domain) -> T:
    """`build()`, or its value from an earlier request while the stores in `domains` stand as they were."""
    version = _version(request, domains)
    if version is not None:
        cached: T | None = _kept.get(key, version)
        if cached is not None:
            return cached
    value = build()
    if version is not None:
        _kept.put(key, version, value)
    return value
