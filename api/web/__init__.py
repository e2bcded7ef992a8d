"""Server-rendered pages (docs/ARCHITECTURE.md §7): one package per surface under `api/web/`, sharing the layout, the
components, the stylesheet and the browser-session helpers kept here. `install(app)` mounts them all."""

from __future__ import annotations

import inspect
import os
import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.config import Settings
from api.crypto import stored_secret
from api.web.render import STATIC_DIR
from api.web.router import PAGE_PREFIXES, error_page, is_page_path


class CachedStaticFiles(StaticFiles):
    """Static files with cache headers: a year (immutable) for the hashed URLs `static_url()` makes."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if versioned else "public, max-age=300"
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


def web_secret(settings: Settings) -> bytes:
    if settings.web_secret_key:
        return settings.web_secret_key.encode()
    return stored_secret(settings, "web-secret.key", lambda: secrets.token_hex(32)).encode()


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the static files, every surface's page routers, and the HTML answers for page paths."""
    from api.web.account.routes import router as account_router
    from api.web.company_portal.routes import router as company_portal_router
    from api.web.console.routes import router as console_router
    from api.web.finance.routes import router as finance_router
    from api.web.storefront.routes import router as storefront_router
    from api.web.storefront.shop import TenantHostMiddleware, TenantHosts
    from api.web.vendor_portal.routes import router as vendor_portal_router

    app.state.web_secret = web_secret(settings)
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    PAGE_PREFIXES.add("/static")
    # The storefront, the busiest surface, first: its catch-all /shop/{slug}/{page-slug} stays under /shop.
    for router in (storefront_router, account_router, console_router, finance_router, vendor_portal_router,
                   company_portal_router):
        app.include_router(router)
    own_hosts = frozenset({"127.0.0.1", "localhost", settings.api_host.lower(),
                           (urlsplit(settings.public_base_url).hostname or "").lower()})
    app.add_middleware(TenantHostMiddleware, hosts=TenantHosts(app.state.db), own_hosts=own_hosts)

    # Unknown paths and methods under a page root answer the friendly page; the API keeps problem+json.
    api_http_error = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, StarletteHTTPException)
        if is_page_path(request):
            return error_page(request, exc.status_code, exc.detail if isinstance(exc.detail, str) else None)
        answer = api_http_error(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, http_error)
