from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase
from api.ids import new_id
from api.state import StateMachine


class PayoutStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    paid = "paid"
    failed = "failed"
    rejected = "rejected"


PAYOUT_STATUS = StateMachine[PayoutStatus](
    "payout",
    {
        PayoutStatus.requested: {PayoutStatus.approved, PayoutStatus.rejected},
        PayoutStatus.approved: {PayoutStatus.paid, PayoutStatus.failed},
    },
)


class Payout(CommerceBase):
    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # A batch pays a vendor at most once per currency: a second payout of it is refused by the database.
        UniqueConstraint("batch_id", "vendor_id", "currency_code", name="one_per_vendor_per_batch"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("po"))
    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency_code: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=PayoutStatus.requested, index=True)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    provider: Mapped[str | None] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(200))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(500))
    # The payout batch that made it (None: the vendor requested it).
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("payout_batches.id", ondelete="RESTRICT"))
    requested_by: Mapped[str | None] = mapped_column(String(40))
    decided_by: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
