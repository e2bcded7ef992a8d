"""The notifier: turns commerce outbox events into mails (after their transaction committed, by reading the
outbox), sends them with retries, or keeps them in the local mailbox when no SMTP server is configured.

Several notifiers may run: one at a time advances the cursor (its row is locked, others skip), and each mail
is claimed with `FOR UPDATE SKIP LOCKED`, so nothing is sent twice."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.auth.models import User
from api.auth.service import hash_password, normalize_email, sha256
from api.clock import utcnow
from api.config import Settings
from api.db import Database, Domain
from api.errors import NotFound, ValidationFailed
from api.ids import new_id
from api.notifications.events import HANDLERS, OPTIONAL, Mail
from api.notifications.models import MailStatus, Notification, NotificationOptOut, NotifierCursor, UserToken
from api.notifications.render import Rendered, render
from api.notifications.transport import SmtpTransport
from api.observability.metrics import record_notification
from api.outbox import service as outbox
from api.outbox.models import CommerceOutboxEvent

log = logging.getLogger(__name__)
CURSOR_ID = 1


# ---- in the request's transaction: events only ----------------------------------------------------------


def request_email_verification(session: Session, user: User) -> None:
    outbox.record(session, CommerceOutboxEvent, "user.email_verification_requested", "user", user.id,
                  {"user_id": user.id})


def request_password_reset(session: Session, email: str) -> None:
    """Mail a reset link if such a user exists; the answer is the same either way (no account probing)."""
    user = session.scalar(select(User).where(User.email == normalize_email(email), User.is_active.is_(True)))
    if user is not None:
        outbox.record(session, CommerceOutboxEvent, "user.password_reset_requested", "user", user.id,
                      {"user_id": user.id})


def _use_token(session: Session, raw: str, purpose: str) -> UserToken:
    token = session.scalar(
        select(UserToken).where(UserToken.token_hash == sha256(raw), UserToken.purpose == purpose).with_for_update()
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise ValidationFailed("This token is unknown, used or expired.")
    token.used_at = utcnow()
    return token


def verify_email(session: Session, raw_token: str) -> User:
    token = _use_token(session, raw_token, "verify_email")
    user = session.get_one(User, token.user_id)
    user.email_verified_at = user.email_verified_at or utcnow()
    return user


def reset_password(session: Session, raw_token: str, password: str) -> User:
    from api.auth.models import AuthToken

    token = _use_token(session, raw_token, "reset_password")
    user = session.get_one(User, token.user_id)
    user.password_hash = hash_password(password)
    # Every login token of the user ends: whoever knew the old password is logged out.
    for session_token in session.scalars(select(AuthToken).where(AuthToken.user_id == user.id,
                                                                  AuthToken.revoked_at.is_(None))):
        session_token.revoked_at = utcnow()
    return user


def preferences(session: Session, user_id: str) -> dict[str, bool]:
    off = set(session.scalars(select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user_id)))
    return {kind: kind not in off for kind in sorted(OPTIONAL)}


def set_preferences(session: Session, user_id: str, wanted: dict[str, bool]) -> dict[str, bool]:
    unknown = sorted(set(wanted) - OPTIONAL)
    if unknown:
        raise ValidationFailed(f"Only optional mails can be turned off; not: {', '.join(unknown)}.",
                               optional=sorted(OPTIONAL))
    for kind, enabled in wanted.items():
        session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user_id,
                                                         NotificationOptOut.kind == kind))
        if not enabled:
            session.add(NotificationOptOut(user_id=user_id, kind=kind))
    session.flush()
    return preferences(session, user_id)


def mailbox(session: Session, *, recipient: str | None, limit: int, offset: int) -> tuple[list[Notification], int]:
    statement = select(Notification)
    if recipient:
        statement = statement.where(Notification.recipient == normalize_email(recipient))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(Notification.created_at.desc(), Notification.id).limit(limit)
                           .offset(offset))
    return list(rows), total


def get_mail(session: Session, mail_id: str) -> Notification:
    mail = session.get(Notification, mail_id)
    if mail is None:
        raise NotFound("No such mail.")
    return mail


# ---- the worker ---------------------------------------------------------------------------------------------


class Notifier:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.transport = (
            SmtpTransport(settings.smtp_url, settings.mail_from) if settings.smtp_url else None
        )

    def run_once(self, batch: int = 100) -> int:
        """Turn new events into mails, then send what is due. Returns how much work was done."""
        return self.fan_out(batch) + self.deliver(batch)

    def fan_out(self, batch: int) -> int:
        with self.database.transaction(Domain.commerce) as session:
            session.execute(insert(NotifierCursor).values(id=CURSOR_ID, position=0).on_conflict_do_nothing())
            cursor = session.scalar(
                select(NotifierCursor).where(NotifierCursor.id == CURSOR_ID).with_for_update(skip_locked=True)
            )
            if cursor is None:  # another notifier is fanning out
                return 0
            # A transaction still open may hold a lower position than one committed after it: the cursor only
            # moves over events whose transaction began more than NOTIFY_GRACE_SECONDS ago, so none is skipped.
            grace = timedelta(seconds=self.settings.notify_grace_seconds)
            events = list(session.scalars(
                select(CommerceOutboxEvent).where(CommerceOutboxEvent.position > cursor.position,
                                                  CommerceOutboxEvent.topic.in_(list(HANDLERS)),
                                                  CommerceOutboxEvent.occurred_at <= func.now() - grace)
                .order_by(CommerceOutboxEvent.position).limit(batch)
            ))
            for event in events:
                self._write_mails(session, event)
                cursor.position = event.position
            return len(events)

    def _write_mails(self, session: Session, event: CommerceOutboxEvent) -> None:
        mails: list[Mail] = HANDLERS[event.topic](session, event)
        opted_out = {
            (row.user_id, row.kind) for row in session.scalars(
                select(NotificationOptOut).where(NotificationOptOut.user_id.in_(
                    [m.user_id for m in mails if m.user_id]))
            )
        }
        for mail in mails:
            if mail.kind in OPTIONAL and (mail.user_id, mail.kind) in opted_out:
                record_notification("skipped")
                continue
            context = {"platform": self.settings.platform_name, "base_url": self.settings.public_base_url.rstrip("/"),
                       **mail.context}
            rendered = render(mail.kind, context, optional=mail.kind in OPTIONAL)
            session.execute(insert(Notification).values(
                id=new_id("mail"),
                event_id=event.id, kind=mail.kind, recipient=normalize_email(mail.to), subject=rendered.subject,
                text_body=rendered.text, html_body=rendered.html, status=MailStatus.pending, attempts=0,
            ).on_conflict_do_nothing())

    def deliver(self, batch: int) -> int:
        done = 0
        for _ in range(batch):
            with self.database.transaction(Domain.commerce) as session:
                mail = session.scalar(
                    select(Notification).where(Notification.status == MailStatus.pending,
                                               Notification.next_attempt_at <= utcnow())
                    .order_by(Notification.next_attempt_at, Notification.id).limit(1)
                    .with_for_update(skip_locked=True)
                )
                if mail is None:
                    return done
                self._send(mail)
                done += 1
        return done

    def _send(self, mail: Notification) -> None:
        mail.attempts += 1
        if self.transport is None:
            mail.status, mail.sent_at = MailStatus.kept, utcnow()
            record_notification("kept")
            return
        try:
            self.transport.send(mail.recipient, Rendered(mail.subject, mail.text_body, mail.html_body), mail.id)
        except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
            mail.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
            if mail.attempts >= self.settings.notify_max_attempts:
                mail.status = MailStatus.failed
                record_notification("failed")
                log.warning("mail given up", extra={"mail_id": mail.id, "attempts": mail.attempts})
            else:
                delay = min(self.settings.notify_backoff_base_seconds * 2 ** (mail.attempts - 1), 3600.0)
                mail.next_attempt_at = utcnow() + timedelta(seconds=random.uniform(delay / 2, delay))
                record_notification("retried")
            return
        mail.status, mail.sent_at, mail.last_error = MailStatus.sent, utcnow(), None
        record_notification("sent")
