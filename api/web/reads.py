"""Reads that pages keep between requests: a value built from one or both stores, kept while those stores have
not changed (the versions the read cache of the API follows, pushed by PostgreSQL notifications), so a page
answered from it opens no database connection at all. An unknown version (the change listener is not connected)
means: read every time.

Keep plain values (views, dicts, column-only rows): a kept ORM object must never need a lazy load."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.cache import VersionedCache, read_cache
from api.db import Domain

T = TypeVar("T")
R = TypeVar("R")

_kept: VersionedCache[Any] = VersionedCache(max_entries=4096, name="pages")
# The builds of `kept_page` under way, by event loop, key and version.
_in_flight: dict[tuple[int, str, str], asyncio.Future[Any]] = {}
# What most page reads follow: the content and the commerce store.
BOTH_STORES = (Domain.content, Domain.commerce)
# The signed-in dashboards show figures that also move with the clock (money leaving its holding period, the
# age of the oldest undelivered event, a build's "ready in about N s"): kept at most this long.
DASHBOARD_MAX_AGE_SECONDS = 10.0


def store_versions(request: Request) -> dict[str, str | None]:
    """The stores' versions for this request's reads: taken once per GET (a page may keep several reads), every
    time for other methods (a form post may change a store, then read it back)."""
    if request.method not in ("GET", "HEAD"):
        return read_cache(request).versions.snapshot()
    known: dict[str, str | None] | None = getattr(request.state, "store_versions", None)
    if known is None:
        known = read_cache(request).versions.snapshot()
        request.state.store_versions = known
    return known


def _version(request: Request, domains: tuple[Domain, ...], max_age: float | None = None) -> str | None:
    """The stores' versions as one string, and with `max_age` the current slice of time of that length (a read
    that also depends on the clock is then rebuilt at least that often)."""
    versions = [store_versions(request)[domain] for domain in domains]
    if any(v is None for v in versions):
        return None
    if max_age is not None:
        versions.append(f"t{int(time.monotonic() // max_age)}")
    return "|".join(str(v) for v in versions)


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


async def kept_page(request: Request, key: str, domains: tuple[Domain, ...], build: Callable[[], T],
                    answer: Callable[[T], R], *, max_age: float | None = None) -> R:
    """A page whose reads are all made by `build()` (a plain value: the page's context) and whose answer is
    `answer(value)`, on the event loop. While the stores in `domains` stand (and, with `max_age`, for at most that
    many seconds) the value is kept; else `build()` runs in a worker thread, once: requests for the same key that
    arrive meanwhile wait for that build instead of all reading the same rows (the burst after every change).
    `key` must name everything the value depends on besides the stores (the user, the query)."""
    version = _version(request, domains, max_age)
    if version is None:
        return answer(await run_in_threadpool(build))
    flight = (id(asyncio.get_running_loop()), key, version)
    while True:
        cached: T | None = _kept.get(key, version)
        if cached is not None:
            return answer(cached)
        building: asyncio.Future[T] | None = _in_flight.get(flight)
        if building is None:
            break
        try:
            return answer(await asyncio.shield(building))
        except asyncio.CancelledError:
            if not building.cancelled():
                raise  # this request was cancelled
            # The request building it went away: look again (and build here if nobody else does).
    building = _in_flight[flight] = asyncio.get_running_loop().create_future()
    try:
        value = await run_in_threadpool(build)
    except Exception as exc:
        building.set_exception(exc)
        building.exception()  # retrieved: no "never retrieved" warning when nobody was waiting
        raise
    except BaseException:
        building.cancel()
        raise
    finally:
        _in_flight.pop(flight, None)
    _kept.put(key, version, value)
    building.set_result(value)
    return answer(value)
