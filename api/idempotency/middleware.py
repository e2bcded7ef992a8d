"""`Idempotency-Key` on mutating POSTs: a retry with the same key and body gets the first answer back;
the same key with another body is a 422; a retry while the first is still running is a 409.

An answer that carries a secret (marked `Cache-Control: no-store` by its route) is never stored: the key is
remembered as done, and a retry gets 409 `idempotency-secret-withheld` (the operation is not run twice, and
the secret is not replayed). Rows expire after the TTL and each client keeps at most its newest N keys."""

from __future__ import annotations

import hashlib

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db import Database
from api.errors import ErrorCode, problem_response
from api.idempotency import service
from api.idempotency.service import ClaimOutcome
from api.middleware import client_identity

HEADER = "idempotency-key"
REPLAY_HEADER = "idempotent-replayed"
_KEPT_HEADERS = {b"content-type", b"location"}
# Answers that say nothing about the operation itself are not remembered: a retry runs again.
_NOT_REMEMBERED = {401, 403, 429}


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, database: Database, ttl_seconds: int, max_per_client: int) -> None:
        self.app = app
        self.database = database
        self.ttl_seconds = ttl_seconds
        self.max_per_client = max_per_client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = Headers(scope=scope).get(HEADER) if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not 1 <= len(key) <= 255:
            await problem_response(
                400, ErrorCode.bad_request, detail="Idempotency-Key must be 1 to 255 characters.", instance=path
            )(scope, receive, send)
            return

        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        query = scope.get("query_string", b"")
        fingerprint = hashlib.sha256(b"POST " + path.encode() + b"?" + query + b"\n" + body).hexdigest()
        client = client_identity(scope)
        engine = self.database.commerce_engine
        claim = await run_in_threadpool(
            service.claim,
            engine,
            client=client,
            key=key,
            fingerprint=fingerprint,
            method="POST",
            path=path,
            ttl_seconds=self.ttl_seconds,
            max_per_client=self.max_per_client,
        )
        if claim.outcome is ClaimOutcome.mismatch:
            await problem_response(
                422,
                ErrorCode.idempotency_key_reused,
                detail="This Idempotency-Key was used with a different request; use a new key.",
                instance=path,
            )(scope, receive, send)
            return
        if claim.outcome is ClaimOutcome.in_progress:
            await problem_response(
                409,
                ErrorCode.idempotency_request_in_progress,
                detail="A request with this Idempotency-Key is still being processed; retry shortly.",
                instance=path,
                headers={"Retry-After": "1"},
            )(scope, receive, send)
            return
        if claim.outcome is ClaimOutcome.secret_withheld:
            location = dict(claim.headers or []).get("location")
            await problem_response(
                409,
                ErrorCode.idempotency_secret_withheld,
                detail="The request with this Idempotency-Key already succeeded, but its answer carried a secret, "
                "which is never stored; it is not run again. Use a new key to make a new request.",
                instance=path,
                headers={"Location": location} if location else None,
                extra={"original_status": claim.status_code},
            )(scope, receive, send)
            return
        if claim.outcome is ClaimOutcome.replay:
            assert claim.status_code is not None
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in claim.headers or []]
            headers.append((REPLAY_HEADER.encode(), b"true"))
            await send({"type": "http.response.start", "status": claim.status_code, "headers": headers})
            await send({"type": "http.response.body", "body": claim.body or b""})
            return

        replayed = False

        async def replay_body() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        secret_bearing = False
        kept_headers: list[list[str]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, secret_bearing
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                secret_bearing = any(k.lower() == b"cache-control" and b"no-store" in v.lower() for k, v in headers)
                kept_headers.extend(
                    [k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in headers
                    if k.lower() in _KEPT_HEADERS and not (secret_bearing and k.lower() != b"location")
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await run_in_threadpool(service.release, engine, client=client, key=key)
            raise
        if status >= 500 or status in _NOT_REMEMBERED:
            await run_in_threadpool(service.release, engine, client=client, key=key)
        else:
            await run_in_threadpool(
                service.complete,
                engine,
                client=client,
                key=key,
                status_code=status,
                headers=kept_headers,
                body=b"".join(chunks),
                secret_withheld=secret_bearing,
            )
