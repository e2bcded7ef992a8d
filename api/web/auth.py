"""Browser sessions over the API's login tokens, and CSRF protection.

- The login token of `/auth/token` lives in the `mp_session` cookie (`HttpOnly`, `SameSite=Lax`, `Secure` over
  https). `page_actor` resolves it with the same `auth.service.actor_for_token` the API uses for a bearer token;
  a revoked or expired token makes the visitor anonymous again.
- `require_page_scope(Scope.x)` is the page twin of `api.deps.require`: an anonymous visitor is sent to
  `/login?next=<this page>`, a user lacking a scope gets the 403 page.
- CSRF: every form carries `csrf_token` = HMAC(web secret, `mp_csrf` cookie | session cookie); every POST of
  a page router is checked (`csrf_protect`, installed on every router made by `api.web.router.page_router`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api.auth import service as auth_service
from api.auth.actor import ANONYMOUS, Actor
from api.auth.models import Role
from api.auth.scopes import Scope
from api.cache import read_cache
from api.db import needs_database_work, set_tenant_scope
from api.deps import CommerceSession, tenant_scope
from api.errors import AppError, ErrorCode, Forbidden, TokenExpired, Unauthorized
from api.web.reads import store_versions

SESSION_COOKIE = "mp_session"
CSRF_COOKIE = "mp_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(AppError):
    """An anonymous visitor asked for a page that needs a login: the page layer redirects to /login."""

    status, code = 401, ErrorCode.unauthorized


class CsrfFailed(AppError):
    status, code = 403, ErrorCode.forbidden


# ---- the session cookie --------------------------------------------------------------------------------


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, raw_token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE, raw_token, max_age=max_age, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )
    # A new session gets a new CSRF secret: tokens of the anonymous forms stop working.
    response.set_cookie(
        CSRF_COOKIE, secrets.token_urlsafe(24), httponly=True, samesite="lax", secure=_secure(request), path="/"
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


async def page_actor(request: Request, session: CommerceSession) -> Actor:
    """Who is browsing: the user of the session cookie (exactly as the API resolves a bearer token), else
    anonymous. The actor is kept on `request.state.page_actor` for the layout (`request.state.actor` is the API's
    reading of the request's headers, which a browser never sends). The commerce transaction is narrowed to the
    actor's tenant for row-level security, as the API does for a bearer token.

    A session's actor is kept between requests (by the token's digest, `ReadCache.kept_actor`) while the access
    version stands (logging in or out, and any change to a user, moves it) and the token has not expired: a
    visitor without a cookie, or with a known session, is known without the database and without a thread hop.
    Any other session costs one hop: the token's lookup and the narrowing of its transaction."""
    cached: Actor | None = getattr(request.state, "page_actor", None)
    if cached is None:
        cached = request.state.page_actor = await _browsing_actor(request, session)
    return cached


async def _browsing_actor(request: Request, session: Session) -> Actor:
    raw = session_token(request)
    kept = None
    if raw:
        key = "session:" + auth_service.sha256(raw)
        cache = read_cache(request)
        versions = store_versions(request)
        kept = cache.kept_actor(key, versions)
        if kept is None:  # one hop: the token's lookup, and the transaction narrowed to its user
            actor, until = await run_in_threadpool(_signed_in_actor, session, raw)
            if until is not None:
                cache.keep_actor(key, versions, actor, until)
            return actor
    actor = kept if kept is not None else ANONYMOUS
    if needs_database_work(session):
        await run_in_threadpool(set_tenant_scope, session, tenant_scope(actor))
    else:
        set_tenant_scope(session, tenant_scope(actor))  # no query yet: the scope goes with the first one
    return actor


def _signed_in_actor(session: Session, raw: str) -> tuple[Actor, datetime | None]:
    """The user of a live login token and until when the token holds, else anonymous (and None: nothing to
    keep); the session's transaction narrowed to that actor's tenant in the same worker thread."""
    try:
        actor, until = auth_service.token_holder(session, raw, None)
    except (Unauthorized, TokenExpired):
        actor, until = ANONYMOUS, None
    set_tenant_scope(session, tenant_scope(actor))
    return actor, until


PageActor = Annotated[Actor, Depends(page_actor)]


def require_page_scope(*scopes: Scope) -> Callable[[Request, Actor], Awaitable[Actor]]:
    """A page dependency: the actor, if logged in and holding every one of `scopes`."""

    async def dependency(request: Request, actor: PageActor) -> Actor:  # async: no thread hop for a check
        if not actor.authenticated:
            raise LoginRequired("Sign in to see this page.", next=request.url.path)
        missing = [scope.value for scope in scopes if scope not in actor.scopes]
        if missing:
            raise Forbidden("Your account cannot open this page.", missing_scopes=missing)
        return actor

    dependency.__name__ = "require_page_" + "_".join(scope.name for scope in scopes)
    return dependency


ROLE_HOMES = {
    Role.customer: "/account",
    Role.vendor: "/vendor-portal",
    Role.admin: "/console",
    Role.finance: "/console/finance",
}


def home_for(actor: Actor) -> str:
    """Where a signed-in user lands: a shopper's account, a vendor's portal, the console, finance's pages.
    A company employee (a customer with a company) lands on the company portal."""
    if actor.role is Role.customer and actor.company_id:
        return "/company-portal"
    return ROLE_HOMES.get(actor.role, "/") if actor.role is not None else "/"


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def safe_next(value: str | None, default: str) -> str:
    """A redirect target after login: a path on this site only (never `//host` or a scheme)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


# ---- CSRF ----------------------------------------------------------------------------------------------


def _csrf_secret(request: Request) -> str:
    """This browser's CSRF secret: its cookie, or a new one issued with this response."""
    current = request.cookies.get(CSRF_COOKIE)
    if current:
        return current
    issued: str | None = getattr(request.state, "csrf_issued", None)
    if issued is None:
        issued = secrets.token_urlsafe(24)
        request.state.csrf_issued = issued
    return issued


def _token_for(request: Request, secret: str) -> str:
    key: bytes = request.app.state.web_secret
    message = f"{secret}|{hashlib.sha256((session_token(request) or '').encode()).hexdigest()}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    return _token_for(request, _csrf_secret(request))


def issue_csrf_cookie(request: Request, response: Response) -> None:
    issued: str | None = getattr(request.state, "csrf_issued", None)
    if issued is not None and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, issued, httponly=True, samesite="lax", secure=_secure(request), path="/")


async def form_data(request: Request) -> FormData:
    """The submitted form (parsed once per request; the CSRF check and the handler share it)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


async def csrf_protect(request: Request) -> None:
    """Every unsafe request to a page router must carry the CSRF token of this browser's session."""
    if request.method in SAFE_METHODS:
        return
    secret = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        value = (await form_data(request)).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not secret or not sent or not hmac.compare_digest(sent, _token_for(request, secret)):
        raise CsrfFailed("The form has expired or did not come from this site. Reload the page and try again.")
