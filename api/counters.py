"""Expiring counters and flags for rate limits and login throttling: in Redis where REDIS_URL is set
(shared by every worker), in this process otherwise (and while Redis is down)."""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Counters(Protocol):
    async def incr(self, key: str, ttl_seconds: int) -> int:
        """Add one to `key`, (re)set its time to live, and return the new count."""

    async def get(self, key: str) -> int: ...

    async def set(self, key: str, value: int, ttl_seconds: int) -> None: ...

    async def ttl(self, key: str) -> int:
        """Whole seconds until `key` expires (rounded up); 0 when it does not exist."""

    async def delete(self, key: str) -> None: ...


class InProcessCounters:
    """Counters in a dict with expiry times; expired entries are pruned as the dict grows."""

    _PRUNE_AT = 50_000

    def __init__(self) -> None:
        self._items: dict[str, tuple[int, float]] = {}

    def _live(self, key: str) -> tuple[int, float] | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[1] <= time.monotonic():
            del self._items[key]
            return None
        return item

    def _prune(self) -> None:
        if len(self._items) < self._PRUNE_AT:
            return
        now = time.monotonic()
        for key in [k for k, (_, expires) in self._items.items() if expires <= now]:
            del self._items[key]

    async def incr(self, key: str, ttl_seconds: int) -> int:
        item = self._live(key)
        if item is None:
            self._prune()
        count = (item[0] if item else 0) + 1
        self._items[key] = (count, time.monotonic() + ttl_seconds)
        return count

    async def get(self, key: str) -> int:
        item = self._live(key)
        return item[0] if item else 0

    async def set(self, key: str, value: int, ttl_seconds: int) -> None:
        self._prune()
        self._items[key] = (value, time.monotonic() + ttl_seconds)

    async def ttl(self, key: str) -> int:
        item = self._live(key)
        return max(int(item[1] - time.monotonic() + 0.999), 1) if item else 0

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)


class RedisCounters:
    """The same operations in Redis; any Redis error falls back to the in-process counters."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis_async

        self._redis: Any = redis_async.from_url(url)
        self._fallback = InProcessCounters()

    def _unavailable(self) -> None:
        log.warning("redis unavailable for rate limiting; using the in-process counters")

    async def incr(self, key: str, ttl_seconds: int) -> int:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, ttl_seconds)
                count, _ = await pipe.execute()
            return int(count)
        except Exception:
            self._unavailable()
            return await self._fallback.incr(key, ttl_seconds)

    async def get(self, key: str) -> int:
        try:
            value = await self._redis.get(key)
            return int(value) if value is not None else 0
        except Exception:
            self._unavailable()
            return await self._fallback.get(key)

    async def set(self, key: str, value: int, ttl_seconds: int) -> None:
        try:
            await self._redis.set(key, value, ex=ttl_seconds)
        except Exception:
            self._unavailable()
            await self._fallback.set(key, value, ttl_seconds)

    async def ttl(self, key: str) -> int:
        try:
            seconds = int(await self._redis.ttl(key))
            return seconds if seconds > 0 else 0
        except Exception:
            self._unavailable()
            return await self._fallback.ttl(key)

    async def delete(self, key: str) -> None:
        try:
            await self._redis.delete(key)
        except Exception:
            self._unavailable()
            await self._fallback.delete(key)


def counters_for(redis_url: str | None) -> InProcessCounters | RedisCounters:
    return RedisCounters(redis_url) if redis_url else InProcessCounters()
