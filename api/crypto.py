"""Encryption at rest for secrets the platform must read back (webhook signing secrets)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from api.config import Settings


@lru_cache(maxsize=8)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def stored_secret(settings: Settings, filename: str, generate: Callable[[], str]) -> str:
    """A secret generated once and kept (mode 0600) under `data_dir`, for set-ups that configure none."""
    path = settings.data_dir / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(generate())
    return path.read_text().strip()


def _key(settings: Settings) -> str:
    if settings.secret_encryption_key:
        return settings.secret_encryption_key
    return stored_secret(settings, "secret-encryption.key", lambda: Fernet.generate_key().decode())


def encrypt(settings: Settings, plaintext: str) -> str:
    return _fernet(_key(settings)).encrypt(plaintext.encode()).decode()


def decrypt(settings: Settings, token: str) -> str:
    try:
        return _fernet(_key(settings)).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the secret cannot be decrypted with the configured key") from exc
