"""Media files follow the transaction of their record: files written by a transaction that rolls back are
removed, and files of a deleted record are removed only once that deletion has committed. A process killed
between a write and its commit can still leave files behind; they sit under a media id no record has."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session

from connectors.storage import Storage, StorageError

log = logging.getLogger(__name__)
_INFO_KEY = "media_files"


@dataclass
class _Pending:
    written: list[tuple[Storage, str]] = field(default_factory=list)
    to_delete: list[tuple[Storage, str]] = field(default_factory=list)


def _pending(session: Session) -> _Pending:
    pending: _Pending = session.info.setdefault(_INFO_KEY, _Pending())
    return pending


def put(session: Session, storage: Storage, key: str, data: bytes, content_type: str) -> None:
    """Store a file that belongs to a record this session's transaction creates."""
    _pending(session).written.append((storage, key))
    storage.put(key, data, content_type)


def delete_after_commit(session: Session, storage: Storage, keys: list[str]) -> None:
    """Remove these files once the transaction deleting their record has committed."""
    _pending(session).to_delete.extend((storage, key) for key in keys)


def _remove(files: list[tuple[Storage, str]], why: str) -> None:
    for storage, key in files:
        try:
            storage.delete(key)
        except StorageError:
            log.warning("media file not removed", extra={"key": key, "why": why})


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending: _Pending | None = session.info.pop(_INFO_KEY, None)
    if pending is not None:
        _remove(pending.to_delete, "record deleted")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    pending: _Pending | None = session.info.pop(_INFO_KEY, None)
    if pending is not None:
        _remove(pending.written, "transaction rolled back")
