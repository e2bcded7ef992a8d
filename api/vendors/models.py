from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase
from api.ids import new_id
from api.state import StateMachine


class VendorStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    suspended = "suspended"


VENDOR_STATUS = StateMachine[VendorStatus](
    "vendor",
    {
        VendorStatus.pending: {VendorStatus.approved, VendorStatus.rejected},
        VendorStatus.approved: {VendorStatus.suspended},
        VendorStatus.suspended: {VendorStatus.approved},
        VendorStatus.rejected: {VendorStatus.pending},
    },
)


class Vendor(CommerceBase):
    """A seller on the marketplace: owns products and receives vendor orders."""

    __tablename__ = "vendors"
    __table_args__ = (CheckConstraint("payout_hold_days >= 0", name="payout_hold_days_not_negative"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("vend"))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20), default=VendorStatus.pending, index=True)
    # Why the vendor was last rejected or suspended (shown to the vendor and in the console).
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    default_currency: Mapped[str] = mapped_column(String(3))
    # The Stripe Connect account payouts are transferred to (PAYOUT_PROVIDER=stripe).
    stripe_account_id: Mapped[str | None] = mapped_column(String(255))
    # Days after capture before a sale's money can be paid out (`api.payouts.balance`).
    payout_hold_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
