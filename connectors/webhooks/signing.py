"""Standard Webhooks signing: headers `webhook-id`, `webhook-timestamp` and `webhook-signature`
(`v1,` + base64 HMAC-SHA256 over `id.timestamp.body`). Verification rejects forged signatures and
timestamps more than five minutes away from now, using the `standardwebhooks` library itself."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from datetime import datetime

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

SECRET_PREFIX = "whsec_"


class InvalidSignature(Exception):
    """The delivery is forged, tampered with, replayed too late, or missing its headers."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def is_valid_secret(secret: str) -> bool:
    try:
        return bool(secret.startswith(SECRET_PREFIX) and base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True))
    except (binascii.Error, ValueError):
        return False


def signed_headers(secret: str, message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, body),
    }


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise InvalidSignature unless `body` was signed with `secret` within the last five minutes."""
    wanted = {name: headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    try:
        Webhook(secret).verify(body, wanted, json_parse=False)
    except (WebhookVerificationError, ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidSignature(str(exc) or "invalid signature") from exc
