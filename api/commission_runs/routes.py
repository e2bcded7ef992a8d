"""Finance: commission runs (list, read, approve, calculate through Dagster), statements, payout batches."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy import func, select

from api.audit import service as audit
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.commission_runs import lineage, service
from api.commission_runs.models import RunStatus
from api.commission_runs.schemas import (
    BatchOut,
    CalculateIn,
    CalculateOut,
    LineageOut,
    ReopenIn,
    RunDetailOut,
    RunOut,
    StatementOut,
)
from api.commissions.schemas import CommissionLineOut
from api.deps import AppSettings, CommerceSession, require
from api.money import CurrencyCode
from api.pagination import Limit, Offset, Page
from api.payouts.routes import provider_for
from api.routing import Router

runs = Router(prefix="/admin/commissions", tags=["commission runs"])
batches = Router(prefix="/admin/payout-batches", tags=["commission runs"])

FinanceReader = Annotated[Actor, Depends(require(Scope.finance_read))]
FinanceWriter = Annotated[Actor, Depends(require(Scope.finance_write))]
RunId = Annotated[str, Path(pattern=r"^crun_[a-z0-9]{1,35}$")]
BatchId = Annotated[str, Path(pattern=r"^pbatch_[a-z0-9]{1,33}$")]
Since = Annotated[date | None, Query(alias="from", description="Periods ending on or after this UTC day.")]
Until = Annotated[date | None, Query(alias="to", description="Periods starting on or before this UTC day.")]


@runs.get("/runs", response_model=Page[RunOut], summary="Commission runs: period, totals, findings, status")
def list_runs(
    session: CommerceSession,
    _: FinanceReader,
    status: RunStatus | None = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RunOut]:
    rows, total = service.list_runs(session, status=status, since=since, until=until, limit=limit, offset=offset)
    return Page(items=[RunOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@runs.get("/runs/{run_id}", response_model=RunDetailOut, summary="One commission run with its findings")
def get_run(run_id: RunId, session: CommerceSession, _: FinanceReader) -> RunDetailOut:
    return RunDetailOut.model_validate(service.get_run(session, run_id))


@runs.get("/runs/{run_id}/lines", response_model=Page[CommissionLineOut],
          summary="The commission lines that make up a run's totals (per vendor and currency), with their orders, "
                  "rule versions and refunds")
def run_lines(
    run_id: RunId,
    session: CommerceSession,
    _: FinanceReader,
    vendor_id: Annotated[str | None, Query(pattern=r"^vend_[a-z0-9]{1,35}$")] = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CommissionLineOut]:
    statement = service.run_lines(service.get_run(session, run_id), vendor_id=vendor_id, currency=currency)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    rows = session.scalars(statement.limit(limit).offset(offset))
    return Page(items=[CommissionLineOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@runs.post("/runs/{run_id}/approve", response_model=RunOut, summary="Approve a draft run without findings")
def approve_run(run_id: RunId, session: CommerceSession, actor: FinanceWriter) -> RunOut:
    run = service.approve_run(session, run_id, actor.id)
    audit.record(session, actor, "commission_run.approved", "commission_run", run.id,
                 {"period_start": run.period_start.isoformat(), "period_end": run.period_end.isoformat()})
    return RunOut.model_validate(run)


@runs.post("/runs/{run_id}/reopen", response_model=RunOut,
           summary="Reopen an approved run (not in a payout batch) with a reason, to recompute and approve it again")
def reopen_run(run_id: RunId, body: ReopenIn, session: CommerceSession, actor: FinanceWriter) -> RunOut:
    run = service.reopen_run(session, run_id, actor.id, body.reason)
    audit.record(session, actor, "commission_run.reopened", "commission_run", run.id,
                 {"period_start": run.period_start.isoformat(), "period_end": run.period_end.isoformat(),
                  "reason": body.reason})
    return RunOut.model_validate(run)


@runs.get("/runs/{run_id}/lineage", response_model=LineageOut,
          summary="What makes up a run's totals (or one statement line: vendor_id and currency): commission lines, "
          "order lines, rule versions, refunds")
def run_lineage(
    run_id: RunId,
    session: CommerceSession,
    _: FinanceReader,
    vendor_id: Annotated[str | None, Query(pattern=r"^vend_[a-z0-9]{1,35}$")] = None,
    currency: CurrencyCode | None = None,
) -> LineageOut:
    return LineageOut.model_validate(lineage.run_lineage(session, run_id, vendor_id, currency))


@runs.post(
    "/calculate",
    response_model=CalculateOut,
    status_code=202,
    summary="Launch the commission run for a period (one Dagster run, one record per day)",
)
def calculate(body: CalculateIn, session: CommerceSession, settings: AppSettings, actor: FinanceWriter) -> CalculateOut:
    run_id = service.launch_calculation(settings, body.period_start, body.period_end)
    audit.record(session, actor, "commission_run.launched", "dagster_run", run_id,
                 {"period_start": body.period_start.isoformat(), "period_end": body.period_end.isoformat()})
    return CalculateOut(dagster_run_id=run_id, job_name=service.COMMISSION_JOB, period_start=body.period_start,
                        period_end=body.period_end)


@runs.get("/statements", response_model=list[StatementOut],
          summary="Commission statements per run, vendor and currency (the commission_statements mart)")
def statements(
    session: CommerceSession,
    _: FinanceReader,
    vendor_id: Annotated[str | None, Query(pattern=r"^vend_[a-z0-9]{1,35}$")] = None,
    run_id: Annotated[str | None, Query(pattern=r"^crun_[a-z0-9]{1,35}$")] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[StatementOut]:
    return service.statements(session, vendor_id=vendor_id, run_id=run_id, since=since, until=until, limit=limit,
                              offset=offset)


@batches.get("", response_model=Page[BatchOut], summary="Payout batches built from approved runs")
def list_batches(session: CommerceSession, _: FinanceReader, limit: Limit = 50, offset: Offset = 0) -> Page[BatchOut]:
    rows, total = service.list_batches(session, limit=limit, offset=offset)
    return Page(items=rows, total=total, limit=limit, offset=offset)


@batches.get("/{batch_id}", response_model=BatchOut, summary="One payout batch with its payouts")
def get_batch(batch_id: BatchId, session: CommerceSession, _: FinanceReader) -> BatchOut:
    return service.get_batch(session, batch_id)


@batches.post("/{batch_id}/approve", response_model=BatchOut, summary="Approve the batch: pay each of its payouts")
def approve_batch(batch_id: BatchId, session: CommerceSession, settings: AppSettings, actor: FinanceWriter) -> BatchOut:
    batch = service.approve_batch(session, provider_for(settings), batch_id, actor.id)
    audit.record(session, actor, "payout_batch.approved", "payout_batch", batch.id, {"status": batch.status})
    return batch
