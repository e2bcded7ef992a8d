from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from api.auth import passwords
from api.money import CurrencyCode
from api.vendors.models import VendorStatus

Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]


class VendorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    slug: Slug
    email: EmailStr
    commission_rate: Rate = Field(description="Platform commission, e.g. 0.1500 for 15%.")
    default_currency: CurrencyCode


class VendorRegisterIn(BaseModel):
    """A vendor's application: the business and its first user (who logs in with this email and password)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    slug: Slug
    email: EmailStr
    password: str = Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)
    full_name: str | None = Field(default=None, max_length=200)
    default_currency: CurrencyCode


class VendorProfileUpdate(BaseModel):
    """What a vendor may change about itself (`PATCH /vendor/me`)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = None
    default_currency: CurrencyCode | None = None
    stripe_account_id: str | None = Field(default=None, max_length=255, pattern=r"^acct_\w+$")


class VendorSelfUpdate(VendorProfileUpdate):
    """`PATCH /vendor/me`: changing where payouts go (`stripe_account_id`) needs the current password."""

    current_password: str | None = Field(
        default=None, max_length=200, description="Required when `stripe_account_id` changes (re-authentication)."
    )


class VendorUpdate(VendorProfileUpdate):
    slug: Slug | None = None
    commission_rate: Rate | None = None


class StatusChangeIn(BaseModel):
    """Why a vendor is rejected or suspended (the vendor sees it)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000)


class VendorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    slug: str
    email: str
    status: VendorStatus
    status_reason: str | None = None
    commission_rate: Decimal
    default_currency: str
    stripe_account_id: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class VendorRegistrationOut(BaseModel):
    vendor: VendorOut
    user_id: str
    user_email: str


class VendorSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    slug: str
