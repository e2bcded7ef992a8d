"""Page routers: every page handler runs inside `PageRoute`, which turns any error into the friendly error page
(404/403/409/500 ... with the request id, never a stack trace) or, for a visitor who must sign in, a redirect
to /login. Every router made by `page_router` checks the CSRF token of every POST."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import AppError
from api.routing import Router
from api.web.auth import CsrfFailed, LoginRequired, csrf_protect, login_url
from api.web.render import render

log = logging.getLogger(__name__)

# Path prefixes served by pages: an unknown path under one of them gets the HTML 404, not a problem document.
PAGE_PREFIXES: set[str] = set()

ERROR_TITLES = {
    400: "This request could not be handled",
    401: "Please sign in",
    403: "You cannot open this page",
    404: "Page not found",
    405: "This action is not available here",
    409: "That cannot be done right now",
    413: "That upload is too large",
    422: "Some of what was sent is not valid",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "The service is briefly unavailable",
}
ERROR_HINTS = {
    404: "The page may have moved, or it is not (or no longer) published.",
    403: "Your account does not have access to this page.",
    500: "The error has been logged. Please try again in a moment.",
    503: "Please try again in a moment.",
}


def is_page_path(request: Request) -> bool:
    if getattr(request.state, "tenant_host", None) is not None:
        return True
    path = request.url.path
    return path == "/" or any(path == p or path.startswith(p + "/") for p in PAGE_PREFIXES)


def error_page(request: Request, status: int, detail: str | None = None) -> HTMLResponse:
    template = "error.html"
    layout_template: str | None = getattr(request.state, "error_template", None)
    if layout_template:
        template = layout_template
    return render(
        request,
        template,
        {
            "status": status,
            "title": ERROR_TITLES.get(status, HTTPStatus(status).phrase),
            "detail": detail if status < 500 else None,
            "hint": ERROR_HINTS.get(status),
        },
        status_code=status,
    )


def page_error_response(request: Request, exc: Exception) -> Response:
    """The page answer for an error raised while handling a page."""
    if isinstance(exc, LoginRequired):
        return RedirectResponse(login_url(str(request.url.path) + (f"?{request.url.query}" if request.url.query
                                                                     else "")), status_code=303)
    if isinstance(exc, CsrfFailed):
        return error_page(request, 403, exc.detail)
    if isinstance(exc, AppError):
        return error_page(request, exc.status, exc.detail)
    if isinstance(exc, RequestValidationError):
        return error_page(request, 400, "The address or form has a value this page does not accept.")
    if isinstance(exc, StarletteHTTPException):
        return error_page(request, exc.status_code, exc.detail if isinstance(exc.detail, str) else None)
    if isinstance(exc, OperationalError):
        log.error("database unavailable on a page: %s", exc.__class__.__name__)
        return error_page(request, 503)
    log.exception("unhandled error on a page", exc_info=exc)
    return error_page(request, 500)


def page_slots(request: Request) -> asyncio.Semaphore:
    """How many pages one process renders at once. A page holds at most one connection per store
    (`api.web.stores`); with a database per store it may hold one of each pool, so more than `db_pool_size`
    pages at once could each hold one and wait for the other. One semaphore per app and event loop (a test
    may serve one app from two loops)."""
    loop = asyncio.get_running_loop()
    slots = _slots_of(request)
    semaphore = slots.get(loop)
    if semaphore is None:
        semaphore = slots.setdefault(loop, asyncio.Semaphore(request.app.state.settings.db_pool_size))
    return semaphore


def _slots_of(request: Request) -> dict[asyncio.AbstractEventLoop, asyncio.Semaphore]:
    slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = getattr(request.app.state, "page_slots", None)
    if slots is None:
        slots = {}
        request.app.state.page_slots = slots
    return slots


class PageRoute(APIRoute):
    """A route whose every error becomes a page (see `page_error_response`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            async with page_slots(request):
                try:
                    return await handler(request)
                except Exception as exc:
                    return page_error_response(request, exc)

        return page_handler


def page_router(*prefixes: str, **kwargs: Any) -> Router:
    """A Router for a surface: HTML by default, kept out of the OpenAPI document, CSRF-checked, errors as
    pages. `prefixes` are the surface's page roots (e.g. "/console"): unknown paths under them answer the
    HTML 404 page."""
    PAGE_PREFIXES.update(p.rstrip("/") for p in prefixes if p.rstrip("/"))
    dependencies = [Depends(csrf_protect), *kwargs.pop("dependencies", [])]
    return Router(
        route_class=PageRoute,
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=dependencies,
        **kwargs,
    )
