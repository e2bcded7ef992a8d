from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Request, Response

from api.audit import service as audit
from api.auth import service
from api.auth.actor import Actor, ActorKind
from api.auth.schemas import (
    ActorOut,
    ApiKeyIn,
    ApiKeyOut,
    ApiKeyWithSecretOut,
    LoginIn,
    RotateIn,
    StaffUserIn,
    TokenOut,
    UserOut,
)
from api.auth.scopes import Scope
from api.auth.throttle import LoginThrottle, login_throttle, throttled_login
from api.deps import SECRET_BEARING, AppSettings, CommerceSession, CurrentActor, bearer_credential, require
from api.errors import Unauthorized
from api.middleware import client_ip
from api.routing import Router

router = Router(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenOut,
    dependencies=[SECRET_BEARING],
    summary="Log in with email and password",
    description="Limited per account and per IP address; repeated failures lock the account for a growing "
    "time (429 with Retry-After).",
)
async def log_in(
    body: LoginIn,
    request: Request,
    session: CommerceSession,
    settings: AppSettings,
    throttle: Annotated[LoginThrottle, Depends(login_throttle)],
) -> TokenOut:
    raw, token, user = await throttled_login(
        throttle,
        session,
        email=body.email,
        password=body.password,
        ip=client_ip(request.scope),
        ttl_seconds=settings.token_ttl_seconds,
    )
    return TokenOut(access_token=raw, expires_at=token.expires_at, user=UserOut.model_validate(user))


@router.post("/auth/logout", status_code=204, summary="Revoke the calling login token")
def log_out(request: Request, actor: CurrentActor, session: CommerceSession) -> Response:
    credential = bearer_credential(request)
    if actor.kind is not ActorKind.user or credential is None:
        raise Unauthorized("Log out needs a login token.")
    service.logout(session, credential)
    return Response(status_code=204)


@router.get("/auth/me", response_model=ActorOut, summary="Who the credentials belong to")
def who_am_i(actor: CurrentActor) -> ActorOut:
    if not actor.authenticated:
        raise Unauthorized("No credentials were given.")
    return ActorOut(
        kind=actor.kind.value,
        id=actor.id,
        role=actor.role,
        email=actor.email,
        scopes=sorted(actor.scopes),
        vendor_id=actor.vendor_id,
        company_id=actor.company_id,
    )


admin = Router(prefix="/admin", tags=["auth"])


@admin.post("/users", response_model=UserOut, status_code=201, summary="Create a platform admin or finance user")
def create_staff_user(
    body: StaffUserIn,
    session: CommerceSession,
    actor: Annotated[Actor, Depends(require(Scope.admin_write))],
) -> UserOut:
    user = service.create_staff_user(
        session, actor, email=body.email, password=body.password, role=body.role, full_name=body.full_name
    )
    audit.record(session, actor, "user.created", "user", user.id, {"email": user.email, "role": body.role})
    return UserOut.model_validate(user)


@admin.get("/api-keys", response_model=list[ApiKeyOut], summary="List API keys (never their secrets)")
def list_api_keys(
    session: CommerceSession, _: Annotated[Actor, Depends(require(Scope.admin_read))]
) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(k) for k in service.list_api_keys(session)]


@admin.post(
    "/api-keys",
    response_model=ApiKeyWithSecretOut,
    status_code=201,
    summary="Create a key; its secret is shown once",
    dependencies=[SECRET_BEARING],
)
def create_api_key(
    body: ApiKeyIn,
    session: CommerceSession,
    actor: Annotated[Actor, Depends(require(Scope.admin_write))],
) -> ApiKeyWithSecretOut:
    key, secret = service.create_api_key(session, actor, name=body.name, kind=body.kind, scopes=body.scopes)
    audit.record(session, actor, "api_key.created", "api_key", key.id, {"kind": key.kind, "scopes": key.scopes})
    return ApiKeyWithSecretOut(**ApiKeyOut.model_validate(key).model_dump(), secret=secret)


@admin.post(
    "/api-keys/{key_id}/rotate",
    response_model=ApiKeyWithSecretOut,
    summary="Issue a new secret; the old one stays valid for the overlap window",
    dependencies=[SECRET_BEARING],
)
def rotate_api_key(
    key_id: str,
    session: CommerceSession,
    settings: AppSettings,
    actor: Annotated[Actor, Depends(require(Scope.admin_write))],
    body: Annotated[RotateIn | None, Body()] = None,
) -> ApiKeyWithSecretOut:
    overlap = (
        body.overlap_seconds
        if body is not None and body.overlap_seconds is not None
        else settings.api_key_rotation_overlap_seconds
    )
    key, secret, old_valid_until = service.rotate_api_key(session, actor, key_id, overlap)
    audit.record(
        session, actor, "api_key.rotated", "api_key", key.id, {"previous_valid_until": old_valid_until.isoformat()}
    )
    return ApiKeyWithSecretOut(**ApiKeyOut.model_validate(key).model_dump(), secret=secret)


@admin.post("/api-keys/{key_id}/revoke", response_model=ApiKeyOut, summary="Revoke a key at once")
def revoke_api_key(
    key_id: str,
    session: CommerceSession,
    actor: Annotated[Actor, Depends(require(Scope.admin_write))],
) -> ApiKeyOut:
    key = service.revoke_api_key(session, key_id)
    audit.record(session, actor, "api_key.revoked", "api_key", key.id)
    return ApiKeyOut.model_validate(key)
