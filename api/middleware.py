"""ASGI middleware: request ids and access logs, and rate limiting per verified API key / token, else IP."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import header as authorization
from api.counters import Counters
from api.errors import AppError, ErrorCode, problem_response
from api.logs import reset_request_id, set_request_id
from api.observability.metrics import observe_request

log = logging.getLogger("api.access")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNLIMITED_PATHS = frozenset({"/health", "/ready"})


class RequestContextMiddleware:
    """Gives every request an id (the caller's `X-Request-ID` if sane), returns it, logs the request and counts
    it in the request metrics."""

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
            seconds = time.perf_counter() - started
            observe_request(scope["method"], scope, status, seconds)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            reset_request_id(token)


class SecurityHeadersMiddleware:
    """The security headers of every answer, in one place: nosniff, a referrer policy, no framing, a CSP (the
    pages' setting for HTML, `default-src 'none'` for everything else) and HSTS over https. A header the
    route set itself is kept."""

    # The interactive API docs load their own inline script; they get every header but the page CSP.
    _NO_PAGE_CSP = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})

    def __init__(self, app: ASGIApp, page_csp: str, api_csp: str, hsts_max_age: int, always_https: bool) -> None:
        self.app = app
        self.page_csp = page_csp
        self.api_csp = api_csp
        self.hsts = f"max-age={hsts_max_age}; includeSubDomains" if hsts_max_age else None
        self.always_https = always_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.always_https or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                html = headers.get("content-type", "").startswith("text/html")
                if not html:
                    headers.setdefault("Content-Security-Policy", self.api_csp)
                elif scope["path"] not in self._NO_PAGE_CSP:
                    headers.setdefault("Content-Security-Policy", self.page_csp)
                if https and self.hsts:
                    headers.setdefault("Strict-Transport-Security", self.hsts)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit:,} bytes.")


class BodySizeLimitMiddleware:
    """Caps request bodies before anything reads them (authentication included): a declared
    Content-Length over the limit is refused at once; a streamed body is counted as it arrives and
    refused once it passes the limit. 413 problem either way. Some paths (uploads) have a limit of their own."""

    def __init__(self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.max_bytes)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if response_started:
                raise
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await problem_response(
            413,
            ErrorCode.payload_too_large,
            detail=f"The request body is larger than {limit:,} bytes.",
            instance=scope["path"],
            headers={"Connection": "close"},
        )(scope, receive, send)


def _credential(header: str) -> str:
    """The token or key in an `Authorization` header (whichever form carries it), else the header."""
    try:
        return authorization.credential(header)
    except AppError:
        return header


def credential_digest(scope: Scope) -> str | None:
    """A short hash of the API key or token the request carries (verified or not), if any."""
    headers = Headers(scope=scope)
    header = headers.get("authorization")
    credential = _credential(header) if header else headers.get("x-publishable-api-key")
    return hashlib.sha256(credential.encode()).hexdigest()[:32] if credential else None


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


_CART_PATH = re.compile(r"^/store/carts/([^/]+)")


def client_identity(scope: Scope) -> str:
    """The caller as the idempotency store keys it. A bearer credential (hashed) stands for one caller. A
    publishable key is shared by every guest of a storefront, so anonymous store calls are keyed on the key,
    the IP address and the cart they act on: guests at other addresses or on other carts never share one."""
    headers = Headers(scope=scope)
    bearer = headers.get("authorization")
    if bearer:
        return "cred:" + hashlib.sha256(_credential(bearer).encode()).hexdigest()[:32]
    cart = _CART_PATH.match(scope["path"])
    parts = [headers.get("x-publishable-api-key", ""), client_ip(scope), cart.group(1) if cart else ""]
    return "anon:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


# A credential that authenticated a request recently has a budget of its own; any other value (unknown,
# junk, expired) is counted against the caller's IP, so a fresh junk value per request buys nothing.
VERIFIED_CREDENTIAL_TTL_SECONDS = 600


def _verified_key(digest: str) -> str:
    return "verified:" + digest


class RateLimitMiddleware:
    """Fixed one-minute windows per verified credential, else per IP address."""

    def __init__(self, app: ASGIApp, limit_per_minute: int, counters: Counters) -> None:
        self.app = app
        self.limit = limit_per_minute
        self.counters = counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        now = time.time()
        window = int(now // 60)
        digest = credential_digest(scope)
        verified = digest is not None and await self.counters.get(_verified_key(digest)) > 0
        identity = "cred:" + digest if verified and digest else "ip:" + client_ip(scope)
        count = await self.counters.incr(f"ratelimit:{identity}:{window}", 120)
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

        state = scope.setdefault("state", {})
        await self.app(scope, receive, send_with_headers)
        actor = state.get("actor")
        if digest is not None and not verified and actor is not None and actor.authenticated:
            await self.counters.set(_verified_key(digest), 1, VERIFIED_CREDENTIAL_TTL_SECONDS)
