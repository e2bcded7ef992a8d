from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class TokenIn(BaseModel):
    token: str = Field(min_length=10, max_length=200)


class PasswordResetIn(BaseModel):
    email: EmailStr


class PasswordResetConfirmIn(TokenIn):
    password: str = Field(min_length=10, max_length=200)


class VerifiedOut(BaseModel):
    email: str
    email_verified_at: datetime | None


class MailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class MailDetailOut(MailOut):
    text_body: str
    html_body: str


class MailboxOut(BaseModel):
    items: list[MailOut]
    total: int
