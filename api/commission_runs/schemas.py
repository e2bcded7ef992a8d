from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.commissions.schemas import CommissionLineOut


class RunTotal(BaseModel):
    vendor_id: str
    currency_code: str
    lines: int
    base_amount: int
    gross_amount: int
    commission_amount: int
    vendor_amount: int = Field(description="What the vendor earns: gross - commission, net of reversals.")


class Finding(BaseModel):
    kind: str = Field(description="missing_recorded_line, unexpected_recorded_line, duplicate_recorded_line or "
                      "amount_mismatch.")
    line_type: str
    vendor_id: str | None
    order_line_id: str
    refund_id: str | None
    commission_line_id: str | None
    field: str | None
    expected: Any
    recorded: Any


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    period_start: date
    period_end: date
    status: str
    totals: list[RunTotal]
    line_count: int
    finding_count: int
    dagster_run_id: str | None
    computed_at: datetime
    approved_at: datetime | None
    approved_by: str | None
    locked_at: datetime | None
    payout_batch_id: str | None
    checks_passed: bool
    checks: list[dict[str, Any]]
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str | None


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, description="Why the approved run is reopened (audited).")


class RunDetailOut(RunOut):
    findings: list[Finding]


class CalculateIn(BaseModel):
    period_start: date = Field(description="First UTC day.")
    period_end: date = Field(description="Last UTC day (inclusive); at most 92 days after period_start.")

    @model_validator(mode="after")
    def ordered(self) -> CalculateIn:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if (self.period_end - self.period_start).days > 92:
            raise ValueError("at most 93 days at once")
        return self


class CalculateOut(BaseModel):
    dagster_run_id: str
    job_name: str
    period_start: date
    period_end: date


class StatementOut(BaseModel):
    commission_run_id: str
    period_start: date
    period_end: date
    run_status: str
    vendor_id: str
    vendor_name: str | None
    currency_code: str
    sale_lines: int
    reversal_lines: int
    sales_base: int
    base_amount: int
    gross_amount: int
    commission_amount: int
    earnings: int
    findings: int


class BatchItem(BaseModel):
    vendor_id: str
    currency_code: str
    available: int = Field(default=0,
                           description="Available to the vendor over the batch's runs when the batch was built.")
    amount: int
    payout_id: str | None
    status: str = Field(default="payout", description="payout or skipped.")
    reason: str | None = Field(default=None, description="Why the vendor was skipped.")


class SkippedRun(BaseModel):
    run_id: str
    reason: str


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: str
    run_ids: list[str]
    items: list[BatchItem]
    skipped_runs: list[SkippedRun]
    minimum_amount: int
    created_at: datetime
    approved_at: datetime | None
    approved_by: str | None
    paid_at: datetime | None
    payouts: list[dict[str, Any]] = Field(default_factory=list, description="Each payout's id, status and amount.")


class LineageOrderLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    vendor_order_id: str
    product_id: str
    title: str
    sku: str
    quantity: int
    unit_price: int
    subtotal: int


class LineageRule(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    scope: str
    vendor_id: str | None
    category_id: str | None
    rate: Decimal
    fixed_fees: dict[str, int]
    valid_from: datetime
    valid_to: datetime | None
    previous_version_id: str | None


class LineageRefund(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    order_id: str
    amount: int
    reason: str | None
    allocations: dict[str, int]
    created_at: datetime


class LineageOut(BaseModel):
    """What makes up a run total (a statement line) or a payout (`api.commission_runs.lineage`)."""

    subject: str = Field(description="commission_run or payout.")
    id: str
    vendor_id: str | None
    currency_code: str | None
    amount: int | None = Field(default=None, description="The payout's amount.")
    status: str | None = None
    totals: dict[str, int] = Field(description="Sums over the commission lines listed.")
    commission_lines: list[CommissionLineOut]
    order_lines: list[LineageOrderLine]
    rules: list[LineageRule] = Field(description="The rule versions the lines were priced with.")
    refunds: list[LineageRefund]
