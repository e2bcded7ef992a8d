from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from api.auth import passwords
from api.auth.models import ApiKeyKind, Role
from api.auth.scopes import Scope


class LoginIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=200)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    full_name: str | None
    role: Role
    vendor_id: str | None
    company_id: str | None
    company_role: str | None
    created_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


class ActorOut(BaseModel):
    kind: str
    id: str | None
    role: Role | None
    email: str | None
    scopes: list[Scope]
    vendor_id: str | None
    company_id: str | None


class StaffUserIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)
    full_name: str | None = Field(default=None, max_length=200)
    role: Role = Field(description="admin or finance")


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: ApiKeyKind
    scopes: list[Scope] | None = Field(
        default=None, description="Secret keys: the scopes granted. Publishable keys always get store scopes."
    )


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: ApiKeyKind
    scopes: list[Scope]
    display_prefix: str
    created_at: datetime
    rotated_at: datetime | None
    previous_valid_until: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyWithSecretOut(ApiKeyOut):
    secret: str = Field(description="Shown once. Store it now: only its hash is kept.")


class RotateIn(BaseModel):
    overlap_seconds: int | None = Field(
        default=None, ge=0, le=30 * 24 * 3600, description="How long the old secret stays valid."
    )
