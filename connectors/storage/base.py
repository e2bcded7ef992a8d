from __future__ import annotations

import re
from typing import Protocol

from api.config import Settings

_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)*$")


class StorageError(Exception):
    """The storage backend failed (unreachable, refused)."""


class StorageNotFound(StorageError):
    """No object under this key."""


def check_key(key: str) -> str:
    """Keys are relative slash-separated names without `..`: they can never escape the store."""
    if not _KEY.match(key) or ".." in key or len(key) > 512:
        raise ValueError(f"invalid storage key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def download_url(self, key: str, filename: str | None = None) -> str | None:
        """A URL the client may fetch the object from directly (presigned), or None: the app serves it."""
        ...


def storage_from_settings(settings: Settings) -> Storage:
    if settings.storage_backend == "s3":
        from connectors.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    from connectors.storage.local import LocalStorage

    return LocalStorage(settings.data_dir / "media")
