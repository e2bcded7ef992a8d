"""A page whose reads are all kept is answered on the event loop (no I/O, no worker thread); any other in a worker
thread, as FastAPI runs a sync route."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from starlette.requests import Request

from api.cache import ReadCache
from api.db import Domain
from api.web.reads import is_kept, kept_read, on_loop_when_kept


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
