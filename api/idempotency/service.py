"""Claiming, completing and replaying idempotency keys. Each step is its own short transaction,
so a claim is visible to a concurrent retry while the first request is still running."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, delete, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.idempotency.models import IdempotencyRecord


class ClaimOutcome(StrEnum):
    claimed = "claimed"
    replay = "replay"
    secret_withheld = "secret_withheld"
    mismatch = "mismatch"
    in_progress = "in_progress"

# Expired rows are purged by every claim, this many at a time (rows locked by another purge are skipped).
_PURGE_BATCH = 500


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    status_code: int | None = None
    headers: list[Any] | None = None
    body: bytes | None = None


def purge_expired(session: Session, ttl_seconds: int) -> int:
    """Delete up to one batch of rows older than the TTL; returns how many went."""
    expired = (
        select(IdempotencyRecord.client, IdempotencyRecord.key)
        .where(IdempotencyRecord.created_at < utcnow() - timedelta(seconds=ttl_seconds))
        .limit(_PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        delete(IdempotencyRecord).where(tuple_(IdempotencyRecord.client, IdempotencyRecord.key).in_(expired))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _evict_beyond_cap(session: Session, client: str, max_per_client: int) -> None:
    """Keep a client's newest `max_per_client` keys: nobody can grow the table without bound."""
    oldest = (
        select(IdempotencyRecord.key)
        .where(IdempotencyRecord.client == client)
        .order_by(IdempotencyRecord.created_at.desc(), IdempotencyRecord.key.desc())
        .offset(max_per_client)
    )
    session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.client == client, IdempotencyRecord.key.in_(oldest))
    )


def claim(
    engine: Engine,
    *,
    client: str,
    key: str,
    fingerprint: str,
    method: str,
    path: str,
    ttl_seconds: int,
    max_per_client: int,
) -> Claim:
    with Session(engine) as session, session.begin():
        purge_expired(session, ttl_seconds)
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.client == client,
                IdempotencyRecord.key == key,
                IdempotencyRecord.created_at < utcnow() - timedelta(seconds=ttl_seconds),
            )
        )
        inserted = session.scalar(
            insert(IdempotencyRecord)
            .values(client=client, key=key, fingerprint=fingerprint, method=method, path=path)
            .on_conflict_do_nothing()
            .returning(IdempotencyRecord.key)
        )
        if inserted is not None:
            _evict_beyond_cap(session, client, max_per_client)
            return Claim(ClaimOutcome.claimed)
        record = session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.client == client, IdempotencyRecord.key == key)
        )
        if record is None:  # released between our insert and select: treat as in progress; a retry will claim
            return Claim(ClaimOutcome.in_progress)
        if record.fingerprint != fingerprint:
            return Claim(ClaimOutcome.mismatch)
        if record.status_code is None:
            return Claim(ClaimOutcome.in_progress)
        if record.secret_withheld:
            return Claim(ClaimOutcome.secret_withheld, record.status_code, record.response_headers)
        return Claim(ClaimOutcome.replay, record.status_code, record.response_headers, record.response_body)


def complete(
    engine: Engine,
    *,
    client: str,
    key: str,
    status_code: int,
    headers: list[Any],
    body: bytes | None,
    secret_withheld: bool = False,
) -> None:
    """Remember the answer; one that carried a secret is remembered as done, without its body."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.client == client, IdempotencyRecord.key == key)
            .values(
                status_code=status_code,
                response_headers=headers,
                response_body=None if secret_withheld else body,
                secret_withheld=secret_withheld,
                completed_at=utcnow(),
            )
        )


def release(engine: Engine, *, client: str, key: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.client == client, IdempotencyRecord.key == key)
        )
