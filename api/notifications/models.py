"""Mails waiting, sent or kept in the local mailbox; the notifier's place in the outbox; one-time tokens;
users' opt-outs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase
from api.ids import new_id


class MailStatus(StrEnum):
    pending = "pending"
    sent = "sent"  # handed to the SMTP server
    kept = "kept"  # no SMTP_URL: kept in the local mailbox (GET /admin/mailbox)
    failed = "failed"  # gave up after NOTIFY_MAX_ATTEMPTS


class Notification(CommerceBase):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "kind", "recipient"),
        Index("ix_notifications_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("mail"))
    event_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(60), index=True)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=MailStatus.pending, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotifierCursor(CommerceBase):
    """The last commerce outbox position turned into mails (one row)."""

    __tablename__ = "notifier_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)


class TokenPurpose(StrEnum):
    verify_email = "verify_email"
    reset_password = "reset_password"


class UserToken(CommerceBase):
    """A one-time token mailed to a user; only its SHA-256 is kept."""

    __tablename__ = "user_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("utok"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NotificationOptOut(CommerceBase):
    """An optional kind of mail a user turned off."""

    __tablename__ = "notification_opt_outs"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
