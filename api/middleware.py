"""ASGI middleware: request ids and access logs, and rate limiting per API key / token / IP."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ErrorCode, problem_response
from api.logs import reset_request_id, set_request_id

log = logging.getLogger("api.access")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNLIMITED_PATHS = frozenset({"/health", "/ready"})


class RequestContextMiddleware:
    """Gives every request an id (the caller's `X-Request-ID` if sane), returns it, and logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else "req_" + secrets.token_hex(10)
        token = set_request_id(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error")
            if response_started:
                raise
            await problem_response(
                500, ErrorCode.internal_error, detail="An unexpected error occurred.", instance=scope["path"]
            )(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            reset_request_id(token)


def client_identity(scope: Scope) -> str:
    """Who to count a request against: its API key or token (hashed), else its IP address."""
    headers = Headers(scope=scope)
    credential = headers.get("authorization") or headers.get("x-publishable-api-key")
    if credential:
        return "cred:" + hashlib.sha256(credential.encode()).hexdigest()[:32]
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")


class InProcessWindowCounter:
    """Fixed one-minute windows kept in this process: the fallback when no Redis is configured."""

    def __init__(self) -> None:
        self._counts: MutableMapping[tuple[str, int], int] = {}
        self._window = 0

    async def hit(self, identity: str, window: int) -> int:
        if window != self._window:
            self._counts.clear()
            self._window = window
        count = self._counts.get((identity, window), 0) + 1
        self._counts[(identity, window)] = count
        return count


class RedisWindowCounter:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis_async

        self._redis: Any = redis_async.from_url(url)
        self._fallback = InProcessWindowCounter()

    async def hit(self, identity: str, window: int) -> int:
        key = f"ratelimit:{identity}:{window}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, 120)
                count, _ = await pipe.execute()
            return int(count)
        except Exception:  # Redis down: keep limiting in-process rather than failing requests.
            log.warning("redis unavailable for rate limiting; using the in-process counter")
            return await self._fallback.hit(identity, window)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limit_per_minute: int, redis_url: str | None) -> None:
        self.app = app
        self.limit = limit_per_minute
        self.counter: InProcessWindowCounter | RedisWindowCounter = (
            RedisWindowCounter(redis_url) if redis_url else InProcessWindowCounter()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        now = time.time()
        window = int(now // 60)
        count = await self.counter.hit(client_identity(scope), window)
        remaining = max(self.limit - count, 0)
        reset_in = max(int((window + 1) * 60 - now), 1)
        if count > self.limit:
            response = problem_response(
                429,
                ErrorCode.rate_limited,
                detail=f"More than {self.limit} requests in a minute; retry after {reset_in} s.",
                instance=scope["path"],
                headers={"Retry-After": str(reset_in), "RateLimit-Limit": str(self.limit), "RateLimit-Remaining": "0"},
            )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["RateLimit-Limit"] = str(self.limit)
                headers["RateLimit-Remaining"] = str(remaining)
                headers["RateLimit-Reset"] = str(reset_in)
            await send(message)

        await self.app(scope, receive, send_with_headers)
