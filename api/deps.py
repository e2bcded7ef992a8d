"""Request-scoped dependencies: one transaction per domain per request, and the acting principal.

`actor: Annotated[Actor, Depends(require(Scope.admin_write))]` states who may call a route in one line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.actor import ANONYMOUS, Actor
from api.auth.scopes import Scope
from api.config import Settings
from api.db import Database, Domain
from api.errors import Forbidden, Unauthorized


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _commerce_session(request: Request) -> Iterator[Session]:
    # The transaction commits when the route returns, before the response is sent.
    with get_database(request).transaction(Domain.commerce) as session:
        yield session


def _content_session(request: Request) -> Iterator[Session]:
    with get_database(request).transaction(Domain.content) as session:
        yield session


CommerceSession = Annotated[Session, Depends(_commerce_session, scope="function")]
ContentSession = Annotated[Session, Depends(_content_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_app_settings)]

PUBLISHABLE_KEY_HEADER = "x-publishable-api-key"


def bearer_credential(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token or secret key>'.")
    return credential.strip()


# Storefronts send their publishable key on every catalog read; the actor it stands for is kept here
# for a short while, so revoking a publishable key takes effect within this many seconds.
PUBLISHABLE_KEY_CACHE_SECONDS = 30.0
_publishable_actors: dict[str, tuple[float, Actor]] = {}


def current_actor(request: Request, session: CommerceSession) -> Actor:
    publishable_key_id = None
    publishable = request.headers.get(PUBLISHABLE_KEY_HEADER)
    if publishable and "authorization" not in request.headers:
        cached = _publishable_actors.get(publishable)
        if cached is not None and cached[0] > time.monotonic():
            request.state.actor = cached[1]
            return cached[1]
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
    elif credential.startswith(("sk_", "pk_")):
        actor = auth_service.actor_for_api_key(auth_service.find_api_key(session, credential))
    else:
        actor = auth_service.actor_for_token(session, credential, publishable_key_id)
    request.state.actor = actor
    if publishable and credential is None:
        if len(_publishable_actors) > 10_000:
            _publishable_actors.clear()
        _publishable_actors[publishable] = (time.monotonic() + PUBLISHABLE_KEY_CACHE_SECONDS, actor)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


# On every route whose answer carries a secret (a login token, an API key or webhook secret): no cache
# keeps it, and the idempotency store keeps only "done" (a retry gets 409 idempotency-secret-withheld).
SECRET_BEARING = Depends(_no_store)


def require(*scopes: Scope) -> Callable[[Actor], Actor]:
    """A dependency that lets the call through only for an actor holding every one of `scopes`."""

    def dependency(actor: CurrentActor) -> Actor:
        if not actor.authenticated:
            raise Unauthorized("This call needs a login token or an API key.")
        missing = [scope.value for scope in scopes if scope not in actor.scopes]
        if missing:
            raise Forbidden(f"This call needs the scope(s): {', '.join(missing)}.", missing_scopes=missing)
        return actor

    dependency.__name__ = "require_" + "_".join(scope.name for scope in scopes)
    return dependency
