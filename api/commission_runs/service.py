"""Commission runs and payout batches as finance sees them: list, read, approve. The runs themselves are
computed by the Dagster `commission_run` asset; `launch_calculation` asks Dagster for one."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.analytics.service import mart_query
from api.clock import utcnow
from api.commission_runs.models import (
    BATCH_STATUS,
    RUN_STATUS,
    BatchStatus,
    CommissionRun,
    PayoutBatch,
    RunStatus,
)
from api.commission_runs.schemas import BatchOut, StatementOut
from api.config import Settings
from api.errors import Conflict, NotFound
from api.payouts import service as payouts
from api.payouts.models import Payout, PayoutStatus
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
    """draft -> approved; 409 for any other state, and while the run has findings (fix, then re-run)."""
    run = get_run(session, run_id, for_update=True)
    target = RUN_STATUS.transition(run.status, RunStatus.approved)
    if run.finding_count:
        raise Conflict(
            f"The run has {run.finding_count} finding(s); correct the ledger and re-run the period first.",
            finding_count=run.finding_count,
        )
    run.status, run.approved_at, run.approved_by = target, utcnow(), approved_by
    run.version += 1
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
    ids = [item["payout_id"] for item in batch.items if item.get("payout_id")]
    found = {p.id: p for p in session.scalars(select(Payout).where(Payout.id.in_(ids)))} if ids else {}
    out = BatchOut.model_validate(batch)
    out.payouts = [
        {"id": pid, "status": found[pid].status, "amount": found[pid].amount, "currency_code": found[pid].currency_code,
         "vendor_id": found[pid].vendor_id}
        for pid in ids if pid in found
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


def approve_batch(session: Session, provider: PayoutProvider, batch_id: str, decided_by: str | None) -> BatchOut:
    """proposed -> approved: approve (and so pay) each payout of the batch; the batch is `paid` once all are.
    A second approval is a 409: the batch's state machine and each payout's forbid paying twice."""
    batch = session.scalar(select(PayoutBatch).where(PayoutBatch.id == batch_id).with_for_update())
    if batch is None:
        raise NotFound("No such payout batch.")
    batch.status = BATCH_STATUS.transition(batch.status, BatchStatus.approved)
    batch.approved_at, batch.approved_by = utcnow(), decided_by
    results: list[Any] = []
    for item in sorted(batch.items, key=lambda i: i["payout_id"]):
        results.append(payouts.approve(session, provider, item["payout_id"], decided_by))
    if all(p.status == PayoutStatus.paid for p in results):
        batch.status = BATCH_STATUS.transition(batch.status, BatchStatus.paid)
        batch.paid_at = utcnow()
    batch.version += 1
    session.flush()
    return _batch_out(session, batch)
