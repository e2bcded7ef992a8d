"""Finance review (`/console/finance/...`): commission runs with their findings and checks, approve and reopen,
drill-down from a run total to its commission lines and orders, statements, payout batches (build through
Dagster, review, pay), single payouts, the payout ledger, and CSV exports that stream.

Actions call the API's own route functions (service + audit entry); figures come from the services and the
dbt marts, never recomputed here. Finance users act (`finance:write`); admins hold the same scopes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Executable, text
from sqlalchemy.orm import Session

from api.analytics import service as analytics
from api.auth.actor import Actor
from api.auth.scopes import Scope
from api.commission_runs import routes as run_routes
from api.commission_runs import service as runs
from api.commission_runs.models import RunStatus
from api.commission_runs.schemas import ReopenIn
from api.commissions import service as commissions
from api.commissions.models import CommissionLine
from api.commissions.schemas import CommissionLineOut
from api.db import Database, Domain
from api.deps import AppSettings, CommerceSession, get_database
from api.errors import ServiceUnavailable
from api.orders import service as orders
from api.payouts import routes as payout_routes
from api.payouts.models import PayoutStatus
from api.payouts.schemas import PayoutDecisionIn
from api.vendors.service import vendor_names
from api.web.auth import Form, require_page_scope
from api.web.components import Pager
from api.web.console.routes import PageNo, act, choices, dagster_url, done
from api.web.forms import fields
from api.web.reads import kept_page
from api.web.render import redirect, render
from api.web.router import page_router
from connectors.dagster import launch_job

router = page_router("/console/finance")

FinanceReader = Annotated[Actor, Depends(require_page_scope(Scope.finance_read))]
FinanceWriter = Annotated[Actor, Depends(require_page_scope(Scope.finance_write))]
PER_PAGE = 25
PAYOUT_BATCH_JOB = "payout_batch_job"
Currency = Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")]
VendorFilter = Annotated[str | None, Query(max_length=40)]


# ---- CSV that streams -----------------------------------------------------------------------------------


def csv_rows(header: Sequence[str], rows: Iterator[Sequence[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def streamed_query(database: Database, sql: str | Executable, params: dict[str, Any]) -> Iterator[Sequence[Any]]:
    """Rows of `sql` (plain rows, never ORM objects) through a server-side cursor of its own, a thousand at a
    time: memory stays flat however many. Its connection is taken when the body starts, after the page's own."""
    statement = text(sql) if isinstance(sql, str) else sql
    with database.transaction(Domain.commerce) as reader:
        yield from reader.execute(statement.execution_options(stream_results=True, yield_per=1000), params)


def require_mart(session: Session, table: str) -> None:
    """503 (the "briefly unavailable" page) before a CSV starts, while dbt has not built `table` yet."""
    analytics.mart_query(session, f"SELECT 1 FROM analytics.{table} LIMIT 0", {})


def csv_response(name: str, body: Iterator[str]) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
    })


def _marts_or_none(read: Any) -> Any:
    try:
        return read()
    except ServiceUnavailable:
        return None


# ---- overview and runs ----------------------------------------------------------------------------------


@router.get("/console/finance")
def overview(request: Request, actor: FinanceReader, session: CommerceSession) -> Response:
    drafts = run_routes.list_runs(session, actor, status=RunStatus.draft, since=None, until=None, limit=10, offset=0)
    approved = run_routes.list_runs(session, actor, status=RunStatus.approved, since=None, until=None, limit=10,
                                    offset=0)
    requested = payout_routes.list_payouts(session, actor, vendor_id=None, status=PayoutStatus.requested, limit=10,
                                           offset=0)
    batches = run_routes.list_batches(session, actor, limit=5, offset=0)
    return render(request, "finance/overview.html", {
        "drafts": drafts, "approved": approved, "requested": requested, "batches": batches,
    })


@router.get("/console/finance/runs")
def run_list(
    request: Request, actor: FinanceReader, session: CommerceSession, page: PageNo = 1,
    status: RunStatus | None = None,
) -> Response:
    result = run_routes.list_runs(session, actor, status=status, since=None, until=None, limit=PER_PAGE,
                                  offset=(page - 1) * PER_PAGE)
    pager = Pager.of(page, PER_PAGE, result.total, "/console/finance/runs", {"status": status})
    return render(request, "finance/runs.html", {
        "runs": result.items, "pager": pager, "status": status.value if status else "",
        "statuses": choices(RunStatus, "Any status"),
        "names": vendor_names(session, [t.vendor_id for r in result.items for t in r.totals]),
    })


@router.get("/console/finance/runs/{run_id}")
async def run_detail(request: Request, run_id: str, actor: FinanceReader, session: CommerceSession) -> Response:
    def view() -> dict[str, Any]:
        run = run_routes.get_run(run_id, session, actor)
        return {"run": run, "names": vendor_names(session, [t.vendor_id for t in run.totals])}

    def answer(values: dict[str, Any]) -> Response:
        return render(request, "finance/run.html", {**values, "finding_help": FINDING_HELP})

    return await kept_page(request, f"finance-run:{actor.id}:{run_id}", (Domain.commerce,), view, answer)


FINDING_HELP = {
    "missing_recorded_line": "The run computes a commission line that the ledger does not have: the sale or "
                             "reversal was not recorded when it happened.",
    "unexpected_recorded_line": "The ledger has a line the run does not compute from the orders and refunds.",
    "duplicate_recorded_line": "The ledger records the same sale or reversal twice.",
    "amount_mismatch": "The ledger's amount differs from what the sale's recorded terms give.",
}


@router.post("/console/finance/runs/{run_id}/approve")
def run_approve(request: Request, run_id: str, actor: FinanceWriter, session: CommerceSession) -> Response:
    error = act(session, lambda: run_routes.approve_run(run_id, session, actor))
    return done(request, f"/console/finance/runs/{run_id}", error, "Run approved: its days are payable now.")


@router.post("/console/finance/runs/{run_id}/reopen")
def run_reopen(request: Request, run_id: str, form: Form, actor: FinanceWriter, session: CommerceSession) -> Response:
    reason = fields(form, "reason")["reason"]
    if len(reason) < 3:
        return redirect(request, f"/console/finance/runs/{run_id}", "Say why the run is reopened.", "error")
    body = ReopenIn(reason=reason[:500])
    error = act(session, lambda: run_routes.reopen_run(run_id, body, session, actor))
    return done(request, f"/console/finance/runs/{run_id}", error, "Run reopened: recompute and approve it again.")


@router.get("/console/finance/runs/{run_id}/lines")
def run_drill_down(
    request: Request, run_id: str, actor: FinanceReader, session: CommerceSession, page: PageNo = 1,
    vendor_id: VendorFilter = None, currency: Currency = None,
) -> Response:
    run = run_routes.get_run(run_id, session, actor)
    lines = run_routes.run_lines(run_id, session, actor, vendor_id=vendor_id, currency=currency, limit=PER_PAGE,
                                 offset=(page - 1) * PER_PAGE)
    total = next((t for t in run.totals if t.vendor_id == vendor_id and t.currency_code == currency), None)
    pager = Pager.of(page, PER_PAGE, lines.total, f"/console/finance/runs/{run_id}/lines",
                     {"vendor_id": vendor_id, "currency": currency})
    return render(request, "finance/lines.html", {
        "run": run, "lines": lines.items, "pager": pager, "total": total, "vendor_id": vendor_id or "",
        "currency": currency or "", "names": vendor_names(session, [vendor_id] if vendor_id else []),
    })


@router.get("/console/finance/runs/{run_id}/lines.csv")
def run_lines_csv(
    run_id: str, actor: FinanceReader, session: CommerceSession, database: Annotated[Database, Depends(get_database)],
    vendor_id: VendorFilter = None, currency: Currency = None,
) -> StreamingResponse:
    statement = runs.run_lines(runs.get_run(session, run_id), vendor_id=vendor_id, currency=currency)
    header = list(CommissionLineOut.model_fields)
    columns = statement.with_only_columns(*(CommissionLine.__table__.c[name] for name in header))
    return csv_response(f"commission-run-{run_id}-lines.csv",
                        csv_rows(header, streamed_query(database, columns, {})))


@router.get("/console/finance/orders/{order_id}")
def order_detail(request: Request, order_id: str, actor: FinanceReader, session: CommerceSession) -> Response:
    order = orders.view(orders.get_order(session, order_id))
    lines, _ = commissions.list_lines(session, vendor_id=None, order_id=order_id, line_type=None, since=None,
                                      until=None, limit=500, offset=0)
    return render(request, "finance/order.html", {
        "order": order, "lines": [CommissionLineOut.model_validate(line) for line in lines],
        "names": vendor_names(session, [v.vendor_id for v in order.vendor_orders]),
        "back": request.query_params.get("back", ""),
    })


# ---- statements -----------------------------------------------------------------------------------------


def _statement_filters(run_id: str | None, vendor_id: str | None) -> dict[str, Any]:
    return {"run_id": run_id or None, "vendor_id": vendor_id or None, "since": None, "until": None}


@router.get("/console/finance/statements")
def statement_list(
    request: Request, actor: FinanceReader, session: CommerceSession, page: PageNo = 1,
    run_id: Annotated[str | None, Query(pattern=r"^crun_[a-z0-9]{1,35}$")] = None,
    vendor_id: Annotated[str | None, Query(pattern=r"^vend_[a-z0-9]{1,35}$")] = None,
) -> Response:
    filters = _statement_filters(run_id, vendor_id)
    rows = _marts_or_none(lambda: run_routes.statements(session, actor, limit=PER_PAGE + 1,
                                                         offset=(page - 1) * PER_PAGE, **filters))
    more = rows is not None and len(rows) > PER_PAGE
    return render(request, "finance/statements.html", {
        "statements": rows[:PER_PAGE] if rows is not None else None, "page": page, "more": more,
        "run_id": run_id or "", "vendor_id": vendor_id or "",
        "query": "&".join(f"{k}={v}" for k, v in (("run_id", run_id), ("vendor_id", vendor_id)) if v),
    })


STATEMENT_COLUMNS = ("commission_run_id", "period_start", "period_end", "run_status", "vendor_id", "vendor_name",
                     "currency_code", "sale_lines", "reversal_lines", "sales_base", "base_amount", "gross_amount",
                     "commission_amount", "earnings", "findings")


@router.get("/console/finance/statements.csv")
def statements_csv(
    actor: FinanceReader, session: CommerceSession, database: Annotated[Database, Depends(get_database)],
    run_id: Annotated[str | None, Query(pattern=r"^crun_[a-z0-9]{1,35}$")] = None,
    vendor_id: Annotated[str | None, Query(pattern=r"^vend_[a-z0-9]{1,35}$")] = None,
) -> StreamingResponse:
    sql = f"""
        SELECT {", ".join(STATEMENT_COLUMNS)} FROM analytics.commission_statements
        WHERE (CAST(:vendor_id AS varchar) IS NULL OR vendor_id = :vendor_id)
          AND (CAST(:run_id AS varchar) IS NULL OR commission_run_id = :run_id)
        ORDER BY period_start DESC, vendor_id, currency_code
    """
    require_mart(session, "commission_statements")
    rows = streamed_query(database, sql, {"vendor_id": vendor_id, "run_id": run_id})
    return csv_response("commission-statements.csv", csv_rows(STATEMENT_COLUMNS, rows))


RUN_COLUMNS = ("run_id", "period_start", "period_end", "status", "vendor_id", "currency_code", "lines",
               "base_amount", "gross_amount", "commission_amount", "vendor_amount", "finding_count", "checks_passed")


@router.get("/console/finance/runs.csv")
def runs_csv(actor: FinanceReader, session: CommerceSession, status: RunStatus | None = None) -> StreamingResponse:
    result = run_routes.list_runs(session, actor, status=status, since=None, until=None, limit=10_000, offset=0)
    rows = ([r.id, r.period_start, r.period_end, r.status, t.vendor_id, t.currency_code, t.lines, t.base_amount,
             t.gross_amount, t.commission_amount, t.vendor_amount, r.finding_count, r.checks_passed]
            for r in result.items for t in r.totals)
    return csv_response("commission-runs.csv", csv_rows(RUN_COLUMNS, rows))


# ---- payout batches and payouts -------------------------------------------------------------------------


@router.get("/console/finance/batches")
def batch_list(
    request: Request, actor: FinanceReader, session: CommerceSession, settings: AppSettings, page: PageNo = 1,
    run: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    result = run_routes.list_batches(session, actor, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    approved = run_routes.list_runs(session, actor, status=RunStatus.approved, since=None, until=None, limit=1,
                                    offset=0)
    return render(request, "finance/batches.html", {
        "batches": result.items, "pager": Pager.of(page, PER_PAGE, result.total, "/console/finance/batches"),
        "approved_runs": approved.total, "run_id": run, "run_url": dagster_url(settings, run),
    })


@router.post("/console/finance/batches/build")
def batch_build(request: Request, actor: FinanceWriter, settings: AppSettings) -> Response:
    """Build the next payout batch with the `payout_batch` asset (its checks run first), in Dagster."""
    run_id = launch_job(settings, PAYOUT_BATCH_JOB, tags={"marketplace/trigger": "finance",
                                                          "marketplace/requested_by": actor.id or "unknown"})
    return redirect(request, f"/console/finance/batches?run={run_id}", f"Building the batch: Dagster run {run_id}.")


@router.get("/console/finance/batches/{batch_id}")
def batch_detail(request: Request, batch_id: str, actor: FinanceReader, session: CommerceSession) -> Response:
    batch = run_routes.get_batch(batch_id, session, actor)
    return render(request, "finance/batch.html", {
        "batch": batch, "names": vendor_names(session, [i.vendor_id for i in batch.items]),
    })


@router.post("/console/finance/batches/{batch_id}/approve")
def batch_approve(request: Request, batch_id: str, actor: FinanceWriter, session: CommerceSession,
                  settings: AppSettings) -> Response:
    error = act(session, lambda: run_routes.approve_batch(batch_id, session, settings, actor))
    return done(request, f"/console/finance/batches/{batch_id}", error, "Batch approved and paid.")


BATCH_COLUMNS = ("batch_id", "vendor_id", "currency_code", "available", "amount", "status", "reason", "payout_id")


@router.get("/console/finance/batches/{batch_id}.csv")
def batch_csv(batch_id: str, actor: FinanceReader, session: CommerceSession) -> StreamingResponse:
    batch = run_routes.get_batch(batch_id, session, actor)
    rows = ([batch.id, i.vendor_id, i.currency_code, i.available, i.amount, i.status, i.reason or "",
             i.payout_id or ""] for i in batch.items)
    return csv_response(f"payout-batch-{batch_id}.csv", csv_rows(BATCH_COLUMNS, rows))


@router.get("/console/finance/payouts")
def payout_list(
    request: Request, actor: FinanceReader, session: CommerceSession, page: PageNo = 1,
    status: PayoutStatus | None = None, vendor_id: VendorFilter = None,
) -> Response:
    result = payout_routes.list_payouts(session, actor, vendor_id=vendor_id or None, status=status,
                                        limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    pager = Pager.of(page, PER_PAGE, result.total, "/console/finance/payouts",
                     {"status": status, "vendor_id": vendor_id})
    return render(request, "finance/payouts.html", {
        "payouts": result.items, "pager": pager, "status": status.value if status else "",
        "statuses": choices(PayoutStatus, "Any status"), "vendor_id": vendor_id or "",
        "names": vendor_names(session, [p.vendor_id for p in result.items]),
    })


@router.get("/console/finance/payouts/{payout_id}")
def payout_detail(request: Request, payout_id: str, actor: FinanceReader, session: CommerceSession) -> Response:
    """What makes up a payout: its commission lines, order lines, rule versions and refunds (the lineage API)."""
    found = payout_routes.payout_lineage(payout_id, session, actor)
    return render(request, "finance/payout.html", {
        "lineage": found, "names": vendor_names(session, [found.vendor_id] if found.vendor_id else []),
    })


@router.post("/console/finance/payouts/{payout_id}/approve")
def payout_approve(request: Request, payout_id: str, actor: FinanceWriter, session: CommerceSession,
                   settings: AppSettings) -> Response:
    error = act(session, lambda: payout_routes.approve(payout_id, session, settings, actor))
    return done(request, "/console/finance/payouts", error, "Payout approved and sent.")


@router.post("/console/finance/payouts/{payout_id}/reject")
def payout_reject(request: Request, payout_id: str, form: Form, actor: FinanceWriter,
                  session: CommerceSession) -> Response:
    note = fields(form, "note")["note"][:1000] or None
    error = act(session, lambda: payout_routes.reject(payout_id, session, actor, PayoutDecisionIn(note=note)))
    return done(request, "/console/finance/payouts", error, "Payout rejected: the amount is available again.")


# ---- the payout ledger ----------------------------------------------------------------------------------


@router.get("/console/finance/ledger")
def ledger(
    request: Request, actor: FinanceReader, session: CommerceSession, page: PageNo = 1,
    vendor_id: VendorFilter = None, currency: Currency = None,
) -> Response:
    found = _marts_or_none(lambda: analytics.payout_ledger(session, vendor_id or None, currency, PER_PAGE,
                                                           (page - 1) * PER_PAGE))
    rows, total = found if found is not None else (None, 0)
    pager = Pager.of(page, PER_PAGE, total, "/console/finance/ledger", {"vendor_id": vendor_id, "currency": currency})
    return render(request, "finance/ledger.html", {
        "rows": rows, "pager": pager, "vendor_id": vendor_id or "", "currency": currency or "",
        "names": vendor_names(session, sorted({r["vendor_id"] for r in rows or []})),
    })


@router.get("/console/finance/ledger.csv")
def ledger_csv(
    actor: FinanceReader, session: CommerceSession, database: Annotated[Database, Depends(get_database)],
    vendor_id: VendorFilter = None, currency: Currency = None,
) -> StreamingResponse:
    require_mart(session, "payout_ledger")
    sql, params = analytics.ledger_query(vendor_id or None, currency)
    return csv_response("payout-ledger.csv", csv_rows(analytics.LEDGER_COLUMNS, streamed_query(database, sql,
                                                                                              params)))

