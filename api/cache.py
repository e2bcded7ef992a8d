"""Read caches for the hot public reads (the store catalog), invalidated by the outbox.

Every change a store reader could see (product, price, stock, vendor status, an order reserving stock)
writes a commerce outbox event in its own transaction, so the newest outbox event is a version of
everything the catalog shows: a cached answer is served only while that version has not moved. Reading
the version is one index lookup instead of the catalog's queries and serialisation."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.outbox.models import CommerceOutboxEvent, ContentOutboxEvent


def commerce_version(session: Session) -> str:
    """The id of the newest commerce outbox event (random, so never reused even if positions restart)."""
    newest = session.scalar(
        select(CommerceOutboxEvent.id).order_by(CommerceOutboxEvent.position.desc()).limit(1)
    )
    return newest or ""


def content_version(session: Session) -> str:
    """The id of the newest content outbox event: moves on every tenant, page, media or product content change."""
    newest = session.scalar(select(ContentOutboxEvent.id).order_by(ContentOutboxEvent.position.desc()).limit(1))
    return newest or ""


class VersionedCache:
    """Serialised answers by key, each valid for one version; least recently used entries go first."""

    def __init__(self, max_entries: int = 2048) -> None:
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: str, version: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, version: str, body: bytes) -> None:
        with self._lock:
            self._entries[key] = (version, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
