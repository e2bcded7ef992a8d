"""Errors as data: one base class with a stable `type` and status, rendered as RFC 9457 problem details."""

from __future__ import annotations

import logging
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.logs import current_request_id

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://docs.marketplace.dev/problems/"


class ErrorCode(StrEnum):
    bad_request = "bad-request"
    validation_failed = "validation-failed"
    unauthorized = "unauthorized"
    token_expired = "token-expired"
    forbidden = "forbidden"
    not_found = "not-found"
    method_not_allowed = "method-not-allowed"
    conflict = "conflict"
    invalid_state_transition = "invalid-state-transition"
    idempotency_key_reused = "idempotency-key-reused"
    idempotency_request_in_progress = "idempotency-request-in-progress"
    idempotency_secret_withheld = "idempotency-secret-withheld"
    payload_too_large = "payload-too-large"
    unsupported_media_type = "unsupported-media-type"
    rate_limited = "rate-limited"
    internal_error = "internal-error"
    service_unavailable = "service-unavailable"


class FieldError(BaseModel):
    """One entry of `errors`: Payload's `{message, path}` (its clients read these), with `field` (the same
    path) as this API has always named it. An error about no one field has only a `message`."""

    message: str
    field: str | None = None
    path: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: ErrorCode
    request_id: str | None = None
    errors: list[FieldError]


class AppError(Exception):
    status: int = 400
    code: ErrorCode = ErrorCode.bad_request

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.code.value)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class BadRequest(AppError):
    status, code = 400, ErrorCode.bad_request


class ValidationFailed(AppError):
    status, code = 422, ErrorCode.validation_failed


class Unauthorized(AppError):
    status, code = 401, ErrorCode.unauthorized


class TokenExpired(AppError):
    status, code = 401, ErrorCode.token_expired


class Forbidden(AppError):
    status, code = 403, ErrorCode.forbidden


class NotFound(AppError):
    status, code = 404, ErrorCode.not_found


class Conflict(AppError):
    status, code = 409, ErrorCode.conflict


class InvalidStateTransition(AppError):
    status, code = 409, ErrorCode.invalid_state_transition

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(
            f"A {entity} in state '{current}' cannot move to '{target}'.", current=current, target=target
        )


class PayloadTooLarge(AppError):
    status, code = 413, ErrorCode.payload_too_large


class UnsupportedMediaType(AppError):
    status, code = 415, ErrorCode.unsupported_media_type


class RateLimited(AppError):
    status, code = 429, ErrorCode.rate_limited


class ServiceUnavailable(AppError):
    status, code = 503, ErrorCode.service_unavailable


def problem_response(
    status: int,
    code: ErrorCode,
    *,
    detail: str | None = None,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    title = HTTPStatus(status).phrase
    # Every problem carries Payload's `errors: [{message, path}]` too, so a Payload client reads it.
    entries = [e.model_copy(update={"path": e.path or e.field}) for e in errors or ()]
    body = Problem(
        type=PROBLEM_TYPE_BASE + code.value,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        code=code,
        request_id=current_request_id(),
        errors=entries or [FieldError(message=detail or title)],
    ).model_dump(exclude_none=True, mode="json")
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


_STATUS_CODES = {
    400: ErrorCode.bad_request,
    401: ErrorCode.unauthorized,
    403: ErrorCode.forbidden,
    404: ErrorCode.not_found,
    405: ErrorCode.method_not_allowed,
    409: ErrorCode.conflict,
    413: ErrorCode.payload_too_large,
    415: ErrorCode.unsupported_media_type,
    422: ErrorCode.validation_failed,
    429: ErrorCode.rate_limited,
    503: ErrorCode.service_unavailable,
}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install_error_handlers(app: FastAPI) -> None:
    async def app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return problem_response(
            exc.status,
            exc.code,
            detail=exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
        )

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [FieldError(field=_field_name(e.get("loc", ())), message=e.get("msg", "")) for e in exc.errors()]
        return problem_response(
            422,
            ErrorCode.validation_failed,
            detail="The request is not valid; see `errors`.",
            instance=request.url.path,
            errors=errors,
        )

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code, ErrorCode.bad_request)
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(sorted(allowed_methods(request)))
        return problem_response(exc.status_code, code, detail=detail, instance=request.url.path, headers=headers)

    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable: %s", exc.__class__.__name__)
        return problem_response(
            503,
            ErrorCode.service_unavailable,
            detail="A database is not reachable; try again shortly.",
            instance=request.url.path,
            headers={"Retry-After": "5"},
        )

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    async def unstorable_value(request: Request, exc: Exception) -> JSONResponse:
        # A value the schema let through but the database cannot hold (a NUL character in text, a number
        # beyond the column's range): the client's input, so 422, and the transaction was rolled back.
        log.info("unstorable value: %s", exc.__class__.__name__)
        return problem_response(
            422,
            ErrorCode.validation_failed,
            detail="The request holds a value that cannot be stored (for example a NUL character in a text).",
            instance=request.url.path,
        )

    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeout, database_unavailable)  # no connection free within the pool timeout
    app.add_exception_handler(DataError, unstorable_value)
    # Anything else is turned into a 500 problem by RequestContextMiddleware, which still knows the
    # request id; the stack trace goes to the log, never to the client.


def allowed_methods(request: Request) -> set[str]:
    """Every method of every route matching the request's path (Starlette names only the first route's, and
    a path often has one route per method)."""
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        regex = getattr(context.route, "path_regex", None)
        if regex is not None and regex.match(request.url.path) and context.methods:
            methods |= set(context.methods)
    return methods


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for problem answers, for a route that has more than the common ones."""
    return {
        status: {"model": Problem, "content": {PROBLEM_CONTENT_TYPE: {}}, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


# Listed on every route in the OpenAPI document (503: a database, or Dagster where a route launches a run, is
# not reachable).
PROBLEM_RESPONSES = problem_responses(400, 401, 403, 404, 409, 422, 429, 503)
