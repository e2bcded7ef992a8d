"""Request-scoped dependencies: one transaction per domain per request, and the acting principal.

`actor: Annotated[Actor, Depends(require(Scope.admin_write))]` states who may call a route in one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import header as authorization
from api.auth import service as auth_service
from api.auth.actor import ANONYMOUS, Actor
from api.auth.models import Role
from api.auth.scopes import Scope
from api.cache import ReadCache
from api.config import Settings
from api.db import PLATFORM, Database, Domain, TenantScope, needs_database_work, set_tenant_scope
from api.errors import Forbidden, Unauthorized


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_app_settings(request: Request) -> Settings:  # async: FastAPI runs a sync dependency in a thread
    settings: Settings = request.app.state.settings
    return settings


def tenant_scope(actor: Actor) -> TenantScope:
    """The rows row-level security lets this actor's transactions touch: a vendor user only its vendor's, a
    company employee only its company's, everyone else (platform staff, shoppers, keys) every tenant's."""
    return TenantScope(
        vendor_id=actor.vendor_id if actor.role is Role.vendor and actor.vendor_id else PLATFORM.vendor_id,
        company_id=actor.company_id or PLATFORM.company_id,
    )


def _database_slots(request: Request) -> asyncio.Semaphore:
    """The requests of this app that may hold database connections at once: as many as its pools serve
    without a request waiting for its second connection while it holds the first (api/db.py). Per event
    loop (a test may serve one app from two loops)."""
    loop = asyncio.get_running_loop()
    slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = request.app.state.database_slots
    if loop not in slots:
        slots[loop] = asyncio.Semaphore(get_database(request).max_concurrent_requests)
    return slots[loop]


async def _commerce_session(request: Request) -> AsyncIterator[Session]:
    # The request's database slot is taken before its first session opens (this one: a content session comes after
    # the actor, which is looked up in it) and given back after its last one closed (dependencies end in reverse
    # order). One dependency for both: each one with `yield` costs FastAPI an exit stack entry per request. (A
    # thread per request would not do for the slot: FastAPI runs each sync dependency and the route in threads of
    # their own.) The transaction commits when the route returns, before the response is sent. It starts in the
    # platform scope (the actor is looked up in it); `current_actor` narrows it to the actor's tenant.
    async with _database_slots(request), get_database(request).request_transaction(Domain.commerce) as session:
        yield session


CommerceSession = Annotated[Session, Depends(_commerce_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_app_settings)]

PUBLISHABLE_KEY_HEADER = "x-publishable-api-key"


def bearer_credential(request: Request) -> str | None:
    """The token or key of the `Authorization` header, in any form `api.auth.header` reads."""
    header = request.headers.get("authorization")
    return authorization.credential(header) if header else None


async def current_actor(request: Request, session: CommerceSession) -> Actor:
    # async: a storefront's kept key is known on the event loop, with no thread hop; any other actor is looked
    # up in a worker thread, where its transaction is narrowed too.
    kept = _kept_key_actor(request)
    if kept is not None and not needs_database_work(session):
        set_tenant_scope(session, tenant_scope(kept))  # no I/O: the session has not taken its connection yet
        return kept
    return await run_in_threadpool(_scoped_actor, request, session, kept)


def _scoped_actor(request: Request, session: Session, kept: Actor | None) -> Actor:
    actor = kept or _resolve_actor(request, session)
    set_tenant_scope(session, tenant_scope(actor))
    return actor


def _kept_key_actor(request: Request) -> Actor | None:
    """The actor of the call's publishable key, when it is kept (`ReadCache.kept_actor`). Storefronts send their
    key on every call: its actor is kept for as long as the access version stands (revoking or rotating a key
    moves it; an order does not), so a hit opens no session. Only a `pk_` key is looked up (only one is kept
    here): the same cache keeps browser sessions under "session:" + their token's digest, no key."""
    publishable = request.headers.get(PUBLISHABLE_KEY_HEADER)
    if publishable is None or not publishable.startswith("pk_") or "authorization" in request.headers:
        return None
    cache: ReadCache = request.app.state.read_cache
    kept = cache.kept_actor(publishable, cache.versions.snapshot())
    if kept is not None:
        request.state.actor = kept
    return kept


def _resolve_actor(request: Request, session: Session) -> Actor:
    cache: ReadCache = request.app.state.read_cache
    publishable_key_id = None
    publishable = request.headers.get(PUBLISHABLE_KEY_HEADER)
    anonymous_call = publishable is not None and "authorization" not in request.headers
    # Read before the lookup: a change during it leaves the actor unkept (`keep_actor`).
    versions = cache.versions.snapshot() if anonymous_call else None
    if publishable:
        key = auth_service.find_api_key(session, publishable)
        if not publishable.startswith("pk_"):
            raise Unauthorized(f"{PUBLISHABLE_KEY_HEADER} must carry a publishable key (pk_...).")
        publishable_key_id = key.id
    credential = bearer_credential(request)
    if credential is None:
        actor = (
            auth_service.actor_for_api_key(key) if publishable_key_id is not None else ANONYMOUS
        )
    elif authorization.is_api_key(credential):
        actor = auth_service.actor_for_api_key(auth_service.find_api_key(session, credential))
    else:
        actor = auth_service.actor_for_token(session, credential, publishable_key_id)
    request.state.actor = actor
    if publishable and versions is not None and publishable_key_id is not None:
        # A previous secret works only until its overlap window ends: so does its cache entry.
        until = None if key.secret_hash == auth_service.sha256(publishable) else key.previous_valid_until
        cache.keep_actor(publishable, versions, actor, until)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def _content_session(request: Request, actor: CurrentActor) -> AsyncIterator[Session]:
    async with get_database(request).request_transaction(Domain.content, tenant_scope(actor)) as session:
        yield session


ContentSession = Annotated[Session, Depends(_content_session, scope="function")]


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


# On every route whose answer carries a secret (a login token, an API key or webhook secret): no cache
# keeps it, and the idempotency store keeps only "done" (a retry gets 409 idempotency-secret-withheld).
SECRET_BEARING = Depends(_no_store)


def require(*scopes: Scope) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets the call through only for an actor holding every one of `scopes`."""

    async def dependency(actor: CurrentActor) -> Actor:  # async: no thread hop for a check
        if not actor.authenticated:
            raise Unauthorized("This call needs a login token or an API key.")
        missing = [scope.value for scope in scopes if scope not in actor.scopes]
        if missing:
            raise Forbidden(f"This call needs the scope(s): {', '.join(missing)}.", missing_scopes=missing)
        return actor

    dependency.__name__ = "require_" + "_".join(scope.name for scope in scopes)
    return dependency
