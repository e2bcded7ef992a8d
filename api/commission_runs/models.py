"""Commission runs (one per period, computed by the Dagster `commission_run` asset), the lines they
computed, and the payout batches built from approved runs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
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


# approved -> draft is finance reopening a run (with a reason) to recompute it; a locked run (paid by a payout
# batch) never changes.
RUN_STATUS = StateMachine[RunStatus](
    "commission run",
    {RunStatus.draft: {RunStatus.approved}, RunStatus.approved: {RunStatus.locked, RunStatus.draft}},
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
    # Whether every check of the run passed (no finding, every expectation met) when it was last computed:
    # only such a run can be approved, and only its days' money becomes payable (`api.payouts.balance`).
    checks_passed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # [{check, passed, failed: [...]}] as the commission-run asset recorded them.
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(40))
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_by: Mapped[str | None] = mapped_column(String(40))
    reopen_reason: Mapped[str | None] = mapped_column(String(500))
    payout_batch_id: Mapped[str | None] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PayoutBatch(CommerceBase):
    """The payouts built from approved commission runs: one per vendor and currency whose balance is over
    the minimum. Finance approves the batch; paying it marks its payouts paid and locks its runs."""

    __tablename__ = "payout_batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=lambda: new_id("pbatch"))
    status: Mapped[str] = mapped_column(String(20), default=BatchStatus.proposed, index=True)
    run_ids: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    # [{vendor_id, currency_code, available, amount, payout_id, status: paid|skipped, reason}]: every vendor and
    # currency with money in the batch's runs, paid (a payout) or skipped with the reason.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # [{run_id, reason}]: approved runs left out of the batch (their checks fail again now).
    skipped_runs: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    minimum_amount: Mapped[int] = mapped_column(BigInteger)
    dagster_run_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(40))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class PayoutBatchRun(CommerceBase):
    """A commission run included in a payout batch. The run id is the key: no run is ever in two batches, so
    no day's money is paid twice (the database refuses it, whatever the code does)."""

    __tablename__ = "payout_batch_runs"

    run_id: Mapped[str] = mapped_column(ForeignKey("commission_runs.id", ondelete="RESTRICT"), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("payout_batches.id", ondelete="RESTRICT"), index=True)
