"""Claiming, completing and replaying idempotency keys. Each step is its own short transaction,
so a claim is visible to a concurrent retry while the first request is still running."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.clock import utcnow
from api.idempotency.models import IdempotencyRecord


class ClaimOutcome(StrEnum):
    claimed = "claimed"
    replay = "replay"
    mismatch = "mismatch"
    in_progress = "in_progress"


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    status_code: int | None = None
    headers: list[Any] | None = None
    body: bytes | None = None


def claim(
    engine: Engine, *, client: str, key: str, fingerprint: str, method: str, path: str, ttl_seconds: int
) -> Claim:
    with Session(engine) as session, session.begin():
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
        return Claim(ClaimOutcome.replay, record.status_code, record.response_headers, record.response_body)


def complete(engine: Engine, *, client: str, key: str, status_code: int, headers: list[Any], body: bytes) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.client == client, IdempotencyRecord.key == key)
            .values(status_code=status_code, response_headers=headers, response_body=body, completed_at=utcnow())
        )


def release(engine: Engine, *, client: str, key: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.client == client, IdempotencyRecord.key == key)
        )
