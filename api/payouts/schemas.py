from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from api.money import CurrencyCode
from api.payouts.models import PayoutStatus


class PayoutRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int | None = Field(default=None, gt=0, le=10**12, description="Minor units; default: the whole balance.")
    currency_code: CurrencyCode | None = Field(default=None, description="Default: the vendor's currency.")
    note: str | None = Field(default=None, max_length=500)


class PayoutDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500)


class PayoutOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    vendor_id: str
    amount: int
    currency_code: str
    status: PayoutStatus
    period_start: date | None
    period_end: date | None
    provider: str | None
    provider_reference: str | None
    failure_reason: str | None
    note: str | None
    version: int
    created_at: datetime
    decided_at: datetime | None
    paid_at: datetime | None


class BalanceOut(BaseModel):
    vendor_id: str
    currency_code: str
    earnings: int
    balance: int
    minimum_payout: int
