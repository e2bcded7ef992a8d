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
    """A vendor's money in one currency (`api.payouts.balance`): captured_net = paid + in_payout + available +
    pending."""

    vendor_id: str
    currency_code: str
    uncaptured: int = Field(description="Orders authorised and not captured: not money yet.")
    pending: int = Field(description="Captured, but its day's commission run is not approved (with checks "
                         "passed) or the holding period has not passed.")
    available: int = Field(description="What can be paid out now (below zero after refunds of paid money).")
    in_payout: int = Field(description="Payouts requested or approved, not paid yet.")
    paid: int
    captured_net: int = Field(description="Your share of the money captured, net of refunds.")
    minimum_payout: int
