"""Commission runs (one per period, computed by the Dagster `commission_run` asset), the lines they
computed, and the payout batches built from approved runs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import CommerceBase
from api.ids import new_id
from api.state import StateMachine


class RunStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    locked = "locked"


RUN_STATUS = StateMachine[RunStatus](
    "commission run",
    {RunStatus.draft: {RunStatus.approved}, RunStatus.approved: {RunStatus.locked}},
)


class BatchStatus(StrEnum):
    proposed = "proposed"
    approved = "approved"
    paid = "paid"


BATCH_STATUS = StateMachine[BatchStatus](
    "payout batch",
    {BatchStatus.proposed: {BatchStatus.approved}, BatchStatus.approved: {BatchStatus.paid}},
)


class CommissionRun(CommerceBase):
    """What the commission run found for one period: totals per vendor and currency, and every difference
    from the commission lines recorded at checkout (`findings`)."""

    __tablename__ = "commission_runs"
    __table_args__ = (
        UniqueConstraint("period_start", "period_end"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("crun"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.draft, index=True)
    # [{vendor_id, currency_code, lines, reversal_lines, sales_base_amount, base_amount, gross_amount,
    #   sale_commission_amount, commission_amount, vendor_amount}]: sales and reversals of the period
    totals: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # [{kind, vendor_id, order_line_id, refund_id, field, expected, recorded}]
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    finding_count: Mapped[int] = mapped_column(Integer, default=0)
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(40))
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payout_batch_id: Mapped[str | None] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PayoutBatch(CommerceBase):
    """The payouts built from approved commission runs: one per vendor and currency whose balance is over
    the minimum. Finance approves the batch; paying it marks its payouts paid and locks its runs."""

    __tablename__ = "payout_batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("pbatch"))
    status: Mapped[str] = mapped_column(String(20), default=BatchStatus.proposed, index=True)
    run_ids: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    # [{vendor_id, currency_code, balance, amount, payout_id}] - amount 0 when under the minimum
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    minimum_amount: Mapped[int] = mapped_column(BigInteger)
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(40))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
