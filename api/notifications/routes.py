"""E-mail verification and password reset for every user kind, mail preferences, and the admins' mailbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from api.auth.actor import Actor
from api.auth.models import User
from api.auth.scopes import Scope
from api.deps import CommerceSession, CurrentActor, require
from api.errors import Unauthorized
from api.notifications import service
from api.notifications.schemas import (
    MailboxOut,
    MailDetailOut,
    MailOut,
    PasswordResetConfirmIn,
    PasswordResetIn,
    TokenIn,
    VerifiedOut,
)
from api.routing import Router

router = Router(tags=["auth"])
admin = Router(prefix="/admin/mailbox", tags=["notifications"])


def _user(session: CommerceSession, actor: CurrentActor) -> User:
    user = session.get(User, actor.id) if actor.authenticated and actor.id else None
    if user is None:
        raise Unauthorized("This call needs a user's login token.")
    return user


LoggedInUser = Annotated[User, Depends(_user)]


@router.post("/auth/verify-email/request", status_code=202, response_class=Response,
             summary="Mail the logged-in user a link confirming their e-mail address")
def request_verification(session: CommerceSession, user: LoggedInUser) -> Response:
    service.request_email_verification(session, user)
    return Response(status_code=202)


@router.post("/auth/verify-email", response_model=VerifiedOut, summary="Confirm an e-mail address with its token")
def verify_email(body: TokenIn, session: CommerceSession) -> VerifiedOut:
    user = service.verify_email(session, body.token)
    return VerifiedOut(email=user.email, email_verified_at=user.email_verified_at)


@router.post("/auth/password-reset", status_code=202, response_class=Response,
             summary="Mail a password reset link (the answer is the same whether the address is known or not)")
def request_password_reset(body: PasswordResetIn, session: CommerceSession) -> Response:
    service.request_password_reset(session, body.email)
    return Response(status_code=202)


@router.post("/auth/password-reset/confirm", status_code=204, response_class=Response,
             summary="Set a new password with a reset token (ends every login of the user)")
def confirm_password_reset(body: PasswordResetConfirmIn, session: CommerceSession) -> Response:
    service.reset_password(session, body.token, body.password)
    return Response(status_code=204)


@router.get("/auth/me/notification-preferences", response_model=dict[str, bool],
            summary="Which optional mails the logged-in user gets")
def get_preferences(session: CommerceSession, user: LoggedInUser) -> dict[str, bool]:
    return service.preferences(session, user.id)


@router.put("/auth/me/notification-preferences", response_model=dict[str, bool],
            summary="Turn optional mails on (true) or off (false); receipts and security mails always go")
def put_preferences(body: dict[str, bool], session: CommerceSession, user: LoggedInUser) -> dict[str, bool]:
    return service.set_preferences(session, user.id, body)


@admin.get("", response_model=MailboxOut, summary="Mails written by the notifier (the local mailbox without SMTP)")
def list_mail(
    session: CommerceSession,
    _: Annotated[Actor, Depends(require(Scope.admin_read))],
    recipient: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> MailboxOut:
    rows, total = service.mailbox(session, recipient=recipient, limit=limit, offset=offset)
    return MailboxOut(items=[MailOut.model_validate(r) for r in rows], total=total)


@admin.get("/{mail_id}", response_model=MailDetailOut, summary="One mail with its text and HTML")
def get_mail(
    mail_id: str, session: CommerceSession, _: Annotated[Actor, Depends(require(Scope.admin_read))]
) -> MailDetailOut:
    return MailDetailOut.model_validate(service.get_mail(session, mail_id))
