"""Every table, imported in one place so that each domain's metadata is complete (Alembic, tests)."""

from api.audit.models import AuditEntry
from api.auth.models import ApiKey, AuthToken, User
from api.db import CommerceBase, ContentBase
from api.idempotency.models import IdempotencyRecord
from api.outbox.models import CommerceOutboxEvent, ContentOutboxEvent

__all__ = [
    "ApiKey",
    "AuditEntry",
    "AuthToken",
    "CommerceBase",
    "CommerceOutboxEvent",
    "ContentBase",
    "ContentOutboxEvent",
    "IdempotencyRecord",
    "User",
]
