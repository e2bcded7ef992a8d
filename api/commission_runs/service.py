"""Commission runs and payout batches as finance sees them: list, read, approve. The runs themselves are
computed by the Dagster `commission_run` asset; `launch_calculation` asks Dagster for one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from api.analytics.service import mart_query
from api.clock import utcnow
from api.commission_runs.models import (
    BATCH_STATUS,
    RUN_STATUS,
    BatchStatus,
    CommissionRun,
    PayoutBatch,
    PayoutBatchRun,
    RunStatus,
)
from api.commission_runs.schemas import BatchOut, StatementOut
from api.commissions.models import CommissionLine, LineType
from api.config import Settings
from api.errors import AppError, Conflict, NotFound
from api.orders.models import Order, VendorOrder
from api.payments.models import Refund
from api.payouts import balance as balances
from api.payouts import service as payouts
from api.payouts.models import Payout, PayoutStatus
from api.vendors.models import Vendor, VendorStatus
from connectors.payouts import PayoutProvider

COMMISSION_JOB = "commission_run_job"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def list_runs(
    session: Session, *, status: RunStatus | None, since: date | None, until: date | None, limit: int, offset: int
) -> tuple[list[CommissionRun], int]:
    statement = select(CommissionRun)
    if status is not None:
        statement = statement.where(CommissionRun.status == status)
    if since is not None:
        statement = statement.where(CommissionRun.period_end >= since)
    if until is not None:
        statement = statement.where(CommissionRun.period_start <= until)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(CommissionRun.period_start.desc(), CommissionRun.id).limit(limit).offset(offset)
    )
    return list(rows), total


def get_run(session: Session, run_id: str, *, for_update: bool = False) -> CommissionRun:
    statement = select(CommissionRun).where(CommissionRun.id == run_id)
    run = session.scalar(statement.with_for_update() if for_update else statement)
    if run is None:
        raise NotFound("No such commission run.")
    return run


def approve_run(session: Session, run_id: str, approved_by: str | None) -> CommissionRun:
    """draft -> approved. 409 for any other state, for a period that is not over yet (a later sale of the day
    would never reach an approved run), and unless every check of the run passed (fix, then re-run)."""
    run = get_run(session, run_id, for_update=True)
    target = RUN_STATUS.transition(run.status, RunStatus.approved)
    if run.period_end >= utcnow().date():
        raise Conflict(f"The period ends {run.period_end} (UTC) and is not over yet; approve it from the next day.",
                       period_end=run.period_end.isoformat())
    if run.finding_count:
        raise Conflict(
            f"The run has {run.finding_count} finding(s); correct the ledger and re-run the period first.",
            finding_count=run.finding_count,
        )
    if not run.checks_passed:
        failed = [c["check"] for c in run.checks if not c.get("passed")]
        raise Conflict(f"The run's checks did not pass ({', '.join(failed) or 'not run yet'}); re-run the period.",
                       failed_checks=failed)
    run.status, run.approved_at, run.approved_by = target, utcnow(), approved_by
    run.version += 1
    session.flush()
    return run


def reopen_run(session: Session, run_id: str, reopened_by: str | None, reason: str) -> CommissionRun:
    """approved -> draft, so that the period can be recomputed and approved again. 409 for a locked run (a batch
    paid it) and for a run in a payout batch not paid yet. The caller records the reason in the audit log."""
    run = get_run(session, run_id, for_update=True)
    target = RUN_STATUS.transition(run.status, RunStatus.draft)
    if run.payout_batch_id is not None:
        raise Conflict(f"The run is in payout batch {run.payout_batch_id}; it can no longer be reopened.",
                       payout_batch_id=run.payout_batch_id)
    run.status, run.approved_at, run.approved_by = target, None, None
    run.reopened_at, run.reopened_by, run.reopen_reason = utcnow(), reopened_by, reason
    run.version += 1
    session.flush()
    return run


def run_lines(run: CommissionRun, *, vendor_id: str | None = None, currency: str | None = None
              ) -> Select[CommissionLine]:
    """The commission lines a run's totals are made of (the lineage of a run total), attributed to days exactly as
    the commission run attributes them: a sale by the UTC day its order was placed, a refund by the refund's
    day, a cancellation by the day its vendor order was cancelled."""
    start = datetime.combine(run.period_start, time.min, tzinfo=UTC)
    end = datetime.combine(run.period_end + timedelta(days=1), time.min, tzinfo=UTC)
    event_at = func.coalesce(Refund.created_at, VendorOrder.canceled_at)
    statement = (
        select(CommissionLine)
        .join(Order, Order.id == CommissionLine.order_id)
        .join(VendorOrder, VendorOrder.id == CommissionLine.vendor_order_id)
        .outerjoin(Refund, Refund.id == CommissionLine.refund_id)
        .where(or_(
            and_(CommissionLine.type == LineType.sale, Order.created_at >= start, Order.created_at < end),
            and_(CommissionLine.type != LineType.sale, event_at >= start, event_at < end),
        ))
    )
    if vendor_id is not None:
        statement = statement.where(CommissionLine.vendor_id == vendor_id)
    if currency is not None:
        statement = statement.where(CommissionLine.currency_code == currency)
    return statement.order_by(CommissionLine.created_at, CommissionLine.id)


def record_checks(session: Session, run_id: str, checks: list[dict[str, Any]]) -> CommissionRun:
    """The outcome of the commission-run asset's checks for one run: [{check, passed, failed: [...]}]."""
    run = get_run(session, run_id, for_update=True)
    run.checks = checks
    run.checks_passed = bool(checks) and all(c["passed"] for c in checks) and run.finding_count == 0
    session.flush()
    return run


def launch_calculation(settings: Settings, period_start: date, period_end: date) -> str:
    """Start `commission_run_job` for the days `period_start..period_end` (one Dagster run) via the webserver."""
    from connectors.dagster import launch_job

    if period_start == period_end:
        tags = {"dagster/partition": period_start.isoformat()}
    else:
        tags = {RANGE_START_TAG: period_start.isoformat(), RANGE_END_TAG: period_end.isoformat()}
    return launch_job(settings, COMMISSION_JOB, tags={**tags, "marketplace/launched_by": "api"})


def statements(
    session: Session, *, vendor_id: str | None, run_id: str | None, since: date | None, until: date | None,
    limit: int, offset: int,
) -> list[StatementOut]:
    rows = mart_query(session, """
        SELECT commission_run_id, period_start, period_end, run_status, vendor_id, vendor_name, currency_code,
               sale_lines, reversal_lines, sales_base, base_amount, gross_amount, commission_amount, earnings, findings
        FROM analytics.commission_statements
        WHERE (CAST(:vendor_id AS varchar) IS NULL OR vendor_id = :vendor_id)
          AND (CAST(:run_id AS varchar) IS NULL OR commission_run_id = :run_id)
          AND (CAST(:since AS date) IS NULL OR period_end >= :since)
          AND (CAST(:until AS date) IS NULL OR period_start <= :until)
        ORDER BY period_start DESC, vendor_id, currency_code
        LIMIT :limit OFFSET :offset
    """, {"vendor_id": vendor_id, "run_id": run_id, "since": since, "until": until, "limit": limit,
          "offset": offset})
    return [StatementOut.model_validate(row) for row in rows]


# ---- payout batches ------------------------------------------------------------------------------------


def _batch_out(session: Session, batch: PayoutBatch) -> BatchOut:
    out = BatchOut.model_validate(batch)
    out.payouts = [
        {"id": p.id, "status": p.status, "amount": p.amount, "currency_code": p.currency_code,
         "vendor_id": p.vendor_id, "failure_reason": p.failure_reason}
        for p in session.scalars(select(Payout).where(Payout.batch_id == batch.id).order_by(Payout.id))
    ]
    return out


def list_batches(session: Session, *, limit: int, offset: int) -> tuple[list[BatchOut], int]:
    total = session.scalar(select(func.count()).select_from(PayoutBatch)) or 0
    rows = session.scalars(
        select(PayoutBatch).order_by(PayoutBatch.created_at.desc(), PayoutBatch.id).limit(limit).offset(offset)
    )
    return [_batch_out(session, b) for b in rows], total


def get_batch(session: Session, batch_id: str) -> BatchOut:
    batch = session.get(PayoutBatch, batch_id)
    if batch is None:
        raise NotFound("No such payout batch.")
    return _batch_out(session, batch)


def build_batch(
    session: Session,
    *,
    minimum: int,
    failed_checks: Callable[[CommissionRun], list[str]],
    dagster_run_id: str | None = None,
) -> tuple[PayoutBatch | None, list[dict[str, Any]]]:
    """A payout batch over every approved run not yet in one (None when no run can be included), and the runs
    left out with the reason: those whose checks `failed_checks` finds failing now (also kept in the batch's
    `skipped_runs`). The batch
    lists the runs it includes (`payout_batch_runs`: a run is never in two batches) and pays, per vendor and
    currency, what `api.payouts.balance` says is available counting exactly those runs (and runs locked
    earlier). Each vendor is paid or skipped on its own, with the reason in `items`; one vendor's refusal
    never stops the others. The runs lock when the batch is paid (`approve_batch`)."""
    runs = list(session.scalars(
        select(CommissionRun)
        .where(CommissionRun.status == RunStatus.approved, CommissionRun.payout_batch_id.is_(None))
        .order_by(CommissionRun.period_start)
        .with_for_update()
    ))
    included, skipped_runs = [], []
    for run in runs:
        failed = failed_checks(run)
        if failed:
            skipped_runs.append({"run_id": run.id, "reason": "checks fail: " + "; ".join(failed)})
        else:
            included.append(run)
    if not included:
        return None, skipped_runs
    batch = PayoutBatch(run_ids=[r.id for r in included], items=[], skipped_runs=skipped_runs,
                        minimum_amount=minimum, dagster_run_id=dagster_run_id, version=1)
    session.add(batch)
    session.flush()
    for run in included:
        session.add(PayoutBatchRun(run_id=run.id, batch_id=batch.id))
        run.payout_batch_id = batch.id
        run.version += 1
    session.flush()
    run_ids = [r.id for r in included]
    period_start, period_end = included[0].period_start, max(r.period_end for r in included)
    items: list[dict[str, Any]] = []
    for found in balances.balances(session, runs=run_ids):
        item: dict[str, Any] = {"vendor_id": found.vendor_id, "currency_code": found.currency_code,
                                "available": found.available, "amount": 0, "payout_id": None}
        vendor = session.get(Vendor, found.vendor_id)
        reason = None
        if found.available <= 0:
            reason = "nothing available" if found.available == 0 else "refunds exceed what is available"
        elif found.available < minimum:
            reason = f"below the minimum payout {minimum}"
        elif vendor is None or vendor.status != VendorStatus.approved:
            reason = f"vendor is {vendor.status if vendor else 'missing'}"
        if reason is None:
            try:
                with session.begin_nested():
                    payout = payouts.create_payout(
                        session, found.vendor_id, found.available, found.currency_code, period_start, period_end,
                        note=f"payout batch {batch.id}", minimum_amount=minimum, batch_id=batch.id, runs=run_ids,
                    )
                item.update(amount=payout.amount, payout_id=payout.id)
            except AppError as exc:
                reason = exc.detail or exc.code.value
        item.update(status="skipped" if reason else "payout", reason=reason)
        items.append(item)
    batch.items = items
    session.flush()
    return batch, skipped_runs


def approve_batch(session: Session, provider: PayoutProvider, batch_id: str, decided_by: str | None) -> BatchOut:
    """proposed -> approved -> paid: pay each of the batch's payouts on its own (a refused transfer leaves that
    payout `failed`, its amount back in the balance), then lock the batch's runs. A second approval is a 409:
    the batch's state machine and each payout's forbid paying twice."""
    batch = session.scalar(select(PayoutBatch).where(PayoutBatch.id == batch_id).with_for_update())
    if batch is None:
        raise NotFound("No such payout batch.")
    batch.status = BATCH_STATUS.transition(batch.status, BatchStatus.approved)
    batch.approved_at, batch.approved_by = utcnow(), decided_by
    for payout in session.scalars(
        select(Payout).where(Payout.batch_id == batch.id, Payout.status == PayoutStatus.requested).order_by(Payout.id)
    ):
        payouts.approve(session, provider, payout.id, decided_by)
    now = utcnow()
    batch.status = BATCH_STATUS.transition(batch.status, BatchStatus.paid)
    batch.paid_at = now
    for run in session.scalars(select(CommissionRun).where(CommissionRun.payout_batch_id == batch.id)):
        run.status = RUN_STATUS.transition(run.status, RunStatus.locked)
        run.locked_at = now
        run.version += 1
    batch.version += 1
    session.flush()
    return _batch_out(session, batch)
