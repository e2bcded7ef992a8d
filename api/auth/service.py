"""Identity rules: passwords, login tokens, API keys and their rotation."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth import passwords
from api.auth.actor import Actor, ActorKind
from api.auth.models import ApiKey, ApiKeyKind, AuthToken, Role, User
from api.auth.scopes import (
    GRANTABLE_SECRET_SCOPES,
    PUBLISHABLE_KEY_SCOPES,
    ROLE_SCOPES,
    Scope,
    key_prefix,
)
from api.clock import utcnow
from api.errors import Conflict, Forbidden, NotFound, TokenExpired, Unauthorized, ValidationFailed

_hasher = PasswordHasher()
# Verifying against this keeps an unknown email as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password")
_LAST_USED_RESOLUTION = timedelta(minutes=5)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def ensure_within_scopes(actor: Actor, scopes: Iterable[Scope | str]) -> None:
    """The one rule for grants: nothing an actor creates, grants or rotates may carry a scope it lacks."""
    beyond_actor = {Scope(s) for s in scopes} - actor.scopes
    if beyond_actor:
        raise Forbidden(f"You cannot grant scopes you do not hold: {sorted(s.value for s in beyond_actor)}.")


STAFF_ROLES = (Role.admin, Role.finance)


def create_staff_user(
    session: Session, actor: Actor, *, email: str, password: str, role: Role, full_name: str | None
) -> User:
    """An admin or finance user; the caller must already hold every scope the role carries."""
    if role not in STAFF_ROLES:
        raise ValidationFailed("Staff users are admins or finance; customers and vendors register themselves.")
    ensure_within_scopes(actor, ROLE_SCOPES[role])
    return create_user(session, email=email, password=password, role=role, full_name=full_name)


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    full_name: str | None = None,
    vendor_id: str | None = None,
    company_id: str | None = None,
    company_role: str | None = None,
) -> User:
    passwords.check(password, email)
    user = User(
        email=normalize_email(email),
        password_hash=hash_password(password),
        role=role,
        full_name=full_name,
        vendor_id=vendor_id,
        company_id=company_id,
        company_role=company_role,
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists.") from exc
    return user


def login(session: Session, email: str, password: str, ttl_seconds: int) -> tuple[str, AuthToken, User]:
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        _password_matches(_DUMMY_HASH, password)
        raise Unauthorized("Wrong email or password.")
    if not _password_matches(user.password_hash, password) or not user.is_active:
        raise Unauthorized("Wrong email or password.")
    raw = "tok_" + secrets.token_urlsafe(32)
    token = AuthToken(token_hash=sha256(raw), user_id=user.id, expires_at=utcnow() + timedelta(seconds=ttl_seconds))
    session.add(token)
    session.flush()
    return raw, token, user


def reauthenticate(session: Session, actor: Actor, password: str | None) -> None:
    """For changes that need a fresh proof of identity: 403 unless `password` is the calling user's own."""
    user = session.get(User, actor.id) if actor.kind is ActorKind.user and actor.id else None
    if user is None or not password or not _password_matches(user.password_hash, password):
        raise Forbidden(
            "This change needs your current password (`current_password`).", reauthentication_required=True
        )


def logout(session: Session, raw_token: str) -> None:
    session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == sha256(raw_token), AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def actor_for_user(user: User, *, token_id: str | None = None, publishable_key_id: str | None = None) -> Actor:
    return Actor(
        kind=ActorKind.user,
        id=user.id,
        scopes=ROLE_SCOPES[Role(user.role)],
        role=Role(user.role),
        email=user.email,
        vendor_id=user.vendor_id,
        company_id=user.company_id,
        company_role=user.company_role,
        session_id=token_id,
        publishable_key_id=publishable_key_id,
    )


def actor_for_token(session: Session, raw_token: str, publishable_key_id: str | None) -> Actor:
    return token_holder(session, raw_token, publishable_key_id)[0]


def token_holder(session: Session, raw_token: str, publishable_key_id: str | None) -> tuple[Actor, datetime]:
    """The actor of a live login token, and until when the token holds."""
    row = session.execute(
        select(AuthToken, User)
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == sha256(raw_token))
    ).first()
    if row is None:
        raise Unauthorized("The access token is not valid.")
    token, user = row
    if token.revoked_at is not None or not user.is_active:
        raise Unauthorized("The access token has been revoked.")
    if token.expires_at <= utcnow():
        raise TokenExpired("The access token has expired; log in again.")
    return actor_for_user(user, token_id=token.id, publishable_key_id=publishable_key_id), token.expires_at


def find_api_key(session: Session, raw_key: str) -> ApiKey:
    """The live key whose current secret, or previous secret still inside its overlap window, is `raw_key`."""
    digest = sha256(raw_key)
    now = utcnow()
    key = session.scalar(
        select(ApiKey).where(
            ApiKey.revoked_at.is_(None),
            or_(
                ApiKey.secret_hash == digest,
                (ApiKey.previous_secret_hash == digest) & (ApiKey.previous_valid_until > now),
            ),
        )
    )
    if key is None:
        raise Unauthorized("The API key is not valid.")
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return key


def actor_for_api_key(key: ApiKey) -> Actor:
    return Actor(
        kind=ActorKind.api_key,
        id=key.id,
        scopes=frozenset(Scope(s) for s in key.scopes),
        publishable_key_id=key.id if key.kind == ApiKeyKind.publishable else None,
    )


def _new_secret(kind: ApiKeyKind) -> str:
    return key_prefix(kind) + secrets.token_urlsafe(32)


def create_api_key(
    session: Session, actor: Actor, *, name: str, kind: ApiKeyKind, scopes: list[Scope] | None
) -> tuple[ApiKey, str]:
    if kind is ApiKeyKind.publishable:
        if scopes and not set(scopes) <= PUBLISHABLE_KEY_SCOPES:
            raise ValidationFailed("A publishable key can only carry store scopes.")
        granted = sorted(PUBLISHABLE_KEY_SCOPES)
    else:
        if not scopes:
            raise ValidationFailed("A secret key needs at least one scope.")
        not_grantable = set(scopes) - GRANTABLE_SECRET_SCOPES
        if not_grantable:
            raise ValidationFailed(f"These scopes cannot be granted to a key: {sorted(not_grantable)}.")
        ensure_within_scopes(actor, scopes)
        granted = sorted(set(scopes))
    secret = _new_secret(kind)
    key = ApiKey(
        name=name,
        kind=kind,
        scopes=[s.value for s in granted],
        display_prefix=secret[:10],
        secret_hash=sha256(secret),
        created_by=actor.id,
    )
    session.add(key)
    session.flush()
    return key, secret


def get_api_key(session: Session, key_id: str, *, for_update: bool = False) -> ApiKey:
    statement = select(ApiKey).where(ApiKey.id == key_id)
    if for_update:
        statement = statement.with_for_update()
    key = session.scalar(statement)
    if key is None:
        raise NotFound("No such API key.")
    return key


def rotate_api_key(
    session: Session, actor: Actor, key_id: str, overlap_seconds: int
) -> tuple[ApiKey, str, datetime]:
    """Issue a new secret; the current one stays valid for `overlap_seconds` (an older one ends now).
    The new secret is handed to the caller, so the caller must hold every scope the key carries."""
    key = get_api_key(session, key_id, for_update=True)
    ensure_within_scopes(actor, key.scopes)
    if key.revoked_at is not None:
        raise Conflict("A revoked key cannot be rotated.")
    now = utcnow()
    secret = _new_secret(ApiKeyKind(key.kind))
    key.previous_secret_hash = key.secret_hash
    key.previous_valid_until = now + timedelta(seconds=overlap_seconds)
    key.secret_hash = sha256(secret)
    key.display_prefix = secret[:10]
    key.rotated_at = now
    session.flush()
    return key, secret, key.previous_valid_until


def revoke_api_key(session: Session, key_id: str) -> ApiKey:
    key = get_api_key(session, key_id, for_update=True)
    if key.revoked_at is not None:
        raise Conflict("The key is already revoked.")
    key.revoked_at = utcnow()
    session.flush()
    return key


def list_staff_users(session: Session) -> list[User]:
    """Platform admins and finance users, newest first."""
    return list(session.scalars(
        select(User).where(User.role.in_([Role.admin, Role.finance])).order_by(User.created_at.desc(), User.id)
    ))


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)))
