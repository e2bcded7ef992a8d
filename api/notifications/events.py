"""Which outbox events mail whom, with what. One entry per topic; each returns the mails to write.

A kind listed in OPTIONAL can be turned off by its recipient (`PUT /auth/me/notification-preferences`);
the others (receipts, decisions, security mails) always go."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.models import Role, User
from api.auth.service import sha256
from api.clock import utcnow
from api.companies.models import CompanyRole
from api.notifications.models import TokenPurpose, UserToken
from api.outbox.models import CommerceOutboxEvent
from api.vendors.models import Vendor

OPTIONAL = frozenset({
    "vendor_order_new", "order_shipped", "quote_requested", "quote_answered", "approval_waiting", "payout_paid",
    "company_registered",
})
TOKEN_LIFETIMES = {TokenPurpose.verify_email: timedelta(days=2), TokenPurpose.reset_password: timedelta(hours=1)}


@dataclass
class Mail:
    kind: str
    to: str
    user_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def _vendor(session: Session, vendor_id: str) -> Vendor | None:
    return session.get(Vendor, vendor_id)


def _users(session: Session, *where: Any) -> list[User]:
    return list(session.scalars(select(User).where(User.is_active.is_(True), *where).order_by(User.id)))


def _user_mail(session: Session, kind: str, user_id: str | None, **context: Any) -> list[Mail]:
    user = session.get(User, user_id) if user_id else None
    return [] if user is None else [Mail(kind, user.email, user.id, {"name": user.full_name, **context})]


def _vendor_mail(session: Session, kind: str, vendor_id: str, **context: Any) -> list[Mail]:
    vendor = _vendor(session, vendor_id)
    if vendor is None:
        return []
    owner = session.scalar(select(User).where(User.vendor_id == vendor_id, User.email == vendor.email))
    return [Mail(kind, vendor.email, owner.id if owner else None, {"vendor": vendor.name, **context})]


def vendor_created(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
    if event.payload.get("status") != "pending":
        return []
    return _vendor_mail(session, "vendor_application_received", event.entity_id)


def vendor_decided(kind: str) -> Callable[[Session, CommerceOutboxEvent], list[Mail]]:
    def mails(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
        return _vendor_mail(session, kind, event.entity_id)

    return mails


def order_placed(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
    order = event.payload
    mails = [Mail("order_placed", order["email"], order.get("customer_id"), {"order": order})]
    for part in order.get("vendor_orders", []):
        mails += _vendor_mail(session, "vendor_order_new", part["vendor_id"], order=order, part=part)
    return mails


def order_to_buyer(kind: str) -> Callable[[Session, CommerceOutboxEvent], list[Mail]]:
    def mails(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
        order = event.payload
        return [Mail(kind, order["email"], order.get("customer_id"), {"order": order})]

    return mails


def company_registered(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
    return [Mail("company_registered", admin.email, admin.id, {"company": event.payload})
            for admin in _users(session, User.role == Role.admin)]


def company_decided(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
    admins = _users(session, User.company_id == event.entity_id, User.company_role == CompanyRole.admin)
    return [Mail("company_decision", a.email, a.id, {"name": a.full_name, "company": event.payload}) for a in admins]


def approval_requested(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
    approvers = _users(
        session, User.company_id == event.entity_id,
        User.company_role.in_([CompanyRole.approver, CompanyRole.admin]), User.id != event.payload["requested_by"],
    )
    return [Mail("approval_waiting", a.email, a.id, {"approval": event.payload}) for a in approvers]


def quote_requested(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
    return [m for vendor_id in event.payload["vendor_ids"]
            for m in _vendor_mail(session, "quote_requested", vendor_id, quote=event.payload)]


def quote_answered(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
    return _user_mail(session, "quote_answered", event.payload["customer_id"], quote=event.payload)


def payout_paid(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
    return _vendor_mail(session, "payout_paid", event.payload["vendor_id"], payout=event.payload)


def issue_token(session: Session, user_id: str, purpose: TokenPurpose) -> str:
    """A new one-time token for the user; only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    session.add(UserToken(user_id=user_id, purpose=purpose, token_hash=sha256(raw),
                          expires_at=utcnow() + TOKEN_LIFETIMES[purpose]))
    return raw


def token_mail(kind: str, purpose: TokenPurpose) -> Callable[[Session, CommerceOutboxEvent], list[Mail]]:
    """The token is made here, by the notifier, so it never sits in the outbox (webhook subscribers see events)."""

    def mails(session: Session, event: CommerceOutboxEvent) -> list[Mail]:
        user = session.get(User, event.entity_id)
        if user is None or not user.is_active:
            return []
        token = issue_token(session, user.id, purpose)
        return [Mail(kind, user.email, user.id, {"name": user.full_name, "token": token,
                                                 "hours": int(TOKEN_LIFETIMES[purpose].total_seconds() // 3600)})]

    return mails


HANDLERS: dict[str, Callable[[Session, CommerceOutboxEvent], list[Mail]]] = {
    "vendor.created": vendor_created,
    "vendor.approved": vendor_decided("vendor_approved"),
    "vendor.rejected": vendor_decided("vendor_rejected"),
    "order.placed": order_placed,
    "order.fulfilled": order_to_buyer("order_shipped"),
    "order.refunded": order_to_buyer("order_refunded"),
    "company.registered": company_registered,
    "company.approved": company_decided,
    "company.rejected": company_decided,
    "company.approval_requested": approval_requested,
    "quote.requested": quote_requested,
    "quote.responded": quote_answered,
    "payout.paid": payout_paid,
    "user.email_verification_requested": token_mail("verify_email", TokenPurpose.verify_email),
    "user.password_reset_requested": token_mail("password_reset", TokenPurpose.reset_password),
}
