"""A page whose reads are all kept is answered on the event loop (no I/O, no worker thread); any other in a worker
thread, as FastAPI runs a sync route."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from starlette.requests import Request

from api.cache import ReadCache
from api.db import Domain
from api.web.reads import is_kept, kept_page, kept_read, on_loop_when_kept


def where_it_runs() -> str:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "worker thread"
    return "event loop"


def run(coroutine: Coroutine[Any, Any, str]) -> str:
    """On an event loop of its own (the browser tests leave one running in the main thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def get_request(cache: ReadCache) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(read_cache=cache))
    return Request({"type": "http", "method": "GET", "app": app, "headers": [], "path": "/", "query_string": b""})


def test_kept_pages_are_answered_on_the_event_loop_and_the_rest_in_a_worker_thread() -> None:
    cache = ReadCache()
    cache.versions.moved([Domain.content, Domain.commerce])
    key = f"test|{uuid.uuid4()}"
    first = get_request(cache)
    assert not is_kept(first, key, Domain.content)
    assert run(on_loop_when_kept(first, [(key, (Domain.content,))], where_it_runs)) == "worker thread"
    assert kept_read(first, key, lambda: "built", Domain.content) == "built"

    again = get_request(cache)
    assert is_kept(again, key, Domain.content)
    assert run(on_loop_when_kept(again, [(key, (Domain.content,))], where_it_runs)) == "event loop"
    # Every read must be kept: one that is not sends the page to a thread.
    reads = [(key, (Domain.content,)), (key, (Domain.content, Domain.commerce))]
    assert run(on_loop_when_kept(again, reads, where_it_runs)) == "worker thread"

    # A change to the store: the next request's reads are no longer kept.
    cache.versions.moved([Domain.content])
    assert not is_kept(get_request(cache), key, Domain.content)


def test_a_kept_page_with_a_max_age_is_built_again_once_it_is_older() -> None:
    cache = ReadCache()
    cache.versions.moved([Domain.commerce])
    key = f"test|{uuid.uuid4()}"
    builds: list[str] = []

    def build() -> str:
        builds.append(where_it_runs())
        return f"build {len(builds)}"

    def page() -> str:
        return run(kept_page(get_request(cache), key, (Domain.commerce,), build, lambda value: value, max_age=1.0))

    time.sleep(1.0 - time.monotonic() % 1.0)  # at the start of a second: the first two views fall in it
    assert page() == "build 1"
    assert builds == ["worker thread"]  # a page that reads is built off the event loop
    assert page() == "build 1"  # kept
    time.sleep(1.0)
    assert page() == "build 2"  # older than its max age
    cache.versions.moved([Domain.commerce])
    assert page() == "build 3"  # the store changed


def test_requests_that_arrive_while_a_page_is_built_wait_for_that_build() -> None:
    cache = ReadCache()
    cache.versions.moved([Domain.commerce])
    key = f"test|{uuid.uuid4()}"
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        time.sleep(0.2)
        if len(builds) > 1:
            raise LookupError("no such thing")
        return "built once"

    async def burst(key: str) -> list[Any]:
        views = [kept_page(get_request(cache), key, (Domain.commerce,), build, lambda value: value) for _ in range(5)]
        return await asyncio.gather(*views, return_exceptions=True)

    def burst_in_own_loop(key: str) -> list[Any]:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, burst(key)).result()

    assert burst_in_own_loop(key) == ["built once"] * 5
    assert builds == [1]
    # A build that fails fails every request that waited for it, and is not kept.
    failed = burst_in_own_loop(key + "|other")
    assert [type(answer) for answer in failed] == [LookupError] * 5
    assert builds == [1, 1]
