"""Commission runs and payout batches.

- `commissions/commission_run` (daily partitions, UTC): for each day, recompute every vendor's commission and
  earnings from the order lines and the rules in force at order time (`assets/commissions/engine.py`) and
  compare with the commission lines recorded at checkout. The run record (`commerce.commission_runs`) holds
  totals per vendor and currency and every finding. Its checks: `matches_recorded` (fails on any finding)
  and `expectations` (the Great Expectations suites of `quality/suites.py`); both block what is downstream.
  Backfills over past days work from the UI; a range runs as one Dagster run, one record per day.
- `commissions/payout_batch`: after finance approves runs, one payout per vendor and currency whose approved
  balance is at least the minimum, through `api.payouts.service.create_payout`. The suites run again over
  every run in the batch first, and over the payouts after: any failure and nothing is created. Included
  runs are locked, so nothing is paid twice.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Config,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    build_schedule_from_partitioned_job,
    define_asset_job,
)
from sqlalchemy import select, text

from api.clock import utcnow
from api.commission_runs.models import CommissionRun, PayoutBatch, RunStatus
from api.config import get_settings
from api.db import Domain
from api.payouts import service as payouts
from assets.commissions.engine import RunResult, run_periods
from orchestration.resources import StoresResource

GROUP = "commissions"
OWNERS = ["team:data", "team:finance"]
COMMISSION_RUN = AssetKey(["commissions", "commission_run"])
PAYOUT_BATCH = AssetKey(["commissions", "payout_batch"])
daily = DailyPartitionsDefinition(start_date="2025-01-01", timezone="UTC", end_offset=0)


def _days(context: AssetExecutionContext) -> list[date]:
    window = context.partition_time_window
    day, days = window.start.date(), []
    while day < window.end.date():
        days.append(day)
        day += timedelta(days=1)
    return days


def _suites_for_run(session: Any, run: RunResult | CommissionRun) -> list[Any]:
    from quality import suites

    run_id = run.run_id if isinstance(run, RunResult) else run.id
    return [
        suites.validate(suites.COMMISSION_LINES,
                        suites.commission_lines_frame(session, run.period_start, run.period_end)),
        suites.validate(suites.COMMISSION_TOTALS, suites.commission_totals_frame(session, run_id)),
        suites.validate(suites.COMMISSION_COVERAGE,
                        suites.commission_coverage_frame(session, run.period_start, run.period_end)),
    ]


def _totals_markdown(results: list[RunResult]) -> str:
    lines = ["| day | vendor | currency | lines | commission | earnings |", "| --- | --- | --- | --- | --- | --- |"]
    for result in results:
        for t in result.totals:
            lines.append(f"| {result.period_start} | {t['vendor_id']} | {t['currency_code']} | {t['lines']} "
                         f"| {t['commission_amount']} | {t['vendor_amount']} |")
    return "\n".join(lines)


def _findings_markdown(results: list[RunResult], limit: int = 50) -> str:
    lines = ["| day | kind | vendor | order line | refund | field | expected | recorded |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    shown = 0
    for result in results:
        for f in result.findings:
            if shown == limit:
                break
            shown += 1
            lines.append(f"| {result.period_start} | {f['kind']} | {f['vendor_id']} | {f['order_line_id']} "
                         f"| {f['refund_id'] or ''} | {f['field'] or ''} | {f['expected']} | {f['recorded']} |")
    return "\n".join(lines)


@asset(
    key=COMMISSION_RUN,
    group_name=GROUP,
    owners=OWNERS,
    partitions_def=daily,
    backfill_policy=BackfillPolicy.single_run(),
    deps=[AssetKey(["commerce", "order_line_items"]), AssetKey(["commerce", "commission_rules"]),
          AssetKey(["commerce", "commission_lines"]), AssetKey(["commerce", "refunds"])],
    check_specs=[
        AssetCheckSpec("matches_recorded", asset=COMMISSION_RUN,
                       description="Fails on any difference between the run and the recorded commission lines."),
        AssetCheckSpec("expectations", asset=COMMISSION_RUN, blocking=True,
                       description="Great Expectations: commission = rate x base within one minor unit per line, "
                       "no negative earnings, run totals equal the sum of lines, every order line has exactly "
                       "one commission line, currencies valid."),
    ],
    description="Daily commission run (UTC days): every vendor's commission and earnings recomputed from the "
    "order lines and the rules in force at order time, compared with the lines recorded at checkout. One "
    "record per day in `commerce.commission_runs` (draft -> approved -> locked); approved or locked days are "
    "left as they are.",
)
def commission_run(context: AssetExecutionContext, stores: StoresResource) -> Iterator[Any]:
    suite_results: list[Any] = []
    days = _days(context)
    with stores.database.transaction(Domain.commerce) as session:
        results = run_periods(session, [(day, day) for day in days], dagster_run_id=context.run_id)
    for result in results:
        context.log.info(
            f"{result.period_start}: run {result.run_id} ({result.status}"
            f"{'' if result.recomputed else ', unchanged'}): {result.line_count} lines, {result.finding_count} findings"
        )
    with stores.database.transaction(Domain.commerce) as session:
        for result in results:
            suite_results.extend(_suites_for_run(session, result))
    findings = sum(r.finding_count for r in results)
    yield MaterializeResult(metadata={
        "runs": MetadataValue.json([{"day": str(r.period_start), "run_id": r.run_id, "status": r.status,
                                     "recomputed": r.recomputed, "lines": r.line_count,
                                     "findings": r.finding_count} for r in results]),
        "lines": sum(r.line_count for r in results),
        "findings": findings,
        "totals": MetadataValue.md(_totals_markdown(results)),
        "findings_list": MetadataValue.md(_findings_markdown(results)),
    })
    yield AssetCheckResult(
        check_name="matches_recorded",
        passed=findings == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={"findings": findings, "findings_list": MetadataValue.md(_findings_markdown(results))},
    )
    failed = [f"{s.suite}: {r['rule']}" for s in suite_results for r in s.failed]
    yield AssetCheckResult(
        check_name="expectations",
        passed=not failed,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "failed": MetadataValue.json(failed),
            "results": MetadataValue.md("\n\n".join(f"**{s.suite}** ({s.rows} rows)\n\n{s.as_markdown()}"
                                                    for s in suite_results)),
        },
    )


class PayoutBatchConfig(Config):
    minimum_amount: int = -1
    """Smallest payout in minor units; -1 takes `PAYOUT_MINIMUM_AMOUNT` from the settings."""


def _balances(session: Any) -> list[dict[str, Any]]:
    """Per vendor and currency: earnings of approved and locked runs, minus every payout that holds money."""
    return [dict(row) for row in session.execute(text("""
        WITH earned AS (
            SELECT t ->> 'vendor_id' AS vendor_id, t ->> 'currency_code' AS currency_code,
                   sum((t ->> 'vendor_amount')::bigint)::bigint AS earned
            FROM commerce.commission_runs AS r CROSS JOIN LATERAL jsonb_array_elements(r.totals) AS t
            WHERE r.status IN ('approved', 'locked')
            GROUP BY 1, 2
        ),
        held AS (
            SELECT vendor_id, currency_code, sum(amount)::bigint AS held
            FROM commerce.payouts WHERE status IN ('requested', 'approved', 'paid')
            GROUP BY 1, 2
        )
        SELECT e.vendor_id, e.currency_code, e.earned - coalesce(h.held, 0) AS balance
        FROM earned AS e LEFT JOIN held AS h ON h.vendor_id = e.vendor_id AND h.currency_code = e.currency_code
        ORDER BY e.vendor_id, e.currency_code
    """)).mappings()]


@asset(
    key=PAYOUT_BATCH,
    group_name=GROUP,
    owners=OWNERS,
    deps=[COMMISSION_RUN],
    check_specs=[AssetCheckSpec("expectations", asset=PAYOUT_BATCH,
                                description="Great Expectations over the batch's payouts.")],
    description="Payout batch: once finance has approved commission runs, one payout per vendor and currency "
    "whose approved, unpaid balance is at least the minimum (`commerce.payout_batches`, payouts `requested` "
    "until finance approves the batch). Refuses to build when any expectation over the included runs fails; "
    "included runs are locked, so nothing is paid twice.",
)
def payout_batch(context: AssetExecutionContext, config: PayoutBatchConfig, stores: StoresResource) -> Iterator[Any]:
    from quality import suites

    minimum = get_settings().payout_minimum_amount if config.minimum_amount < 0 else config.minimum_amount
    with stores.database.transaction(Domain.commerce) as session:
        runs = list(session.scalars(
            select(CommissionRun)
            .where(CommissionRun.status == RunStatus.approved, CommissionRun.payout_batch_id.is_(None))
            .order_by(CommissionRun.period_start)
            .with_for_update()
        ))
        if not runs:
            context.log.info("No approved commission run waits for a payout batch.")
            yield MaterializeResult(metadata={"batch_id": None, "runs": 0, "payouts": 0})
            yield AssetCheckResult(check_name="expectations", passed=True, metadata={"payouts": 0})
            return
        failed = [f"{run.period_start} {s.suite}: {r['rule']}"
                  for run in runs for s in _suites_for_run(session, run) for r in s.failed]
        if failed:
            raise Failure(
                description=f"Expectations fail for {len(failed)} rule(s) of the approved runs; no payout batch.",
                metadata={"failed": MetadataValue.json(failed)},
            )
        batch = PayoutBatch(run_ids=[r.id for r in runs], items=[], minimum_amount=minimum,
                            dagster_run_id=context.run_id, version=1)
        session.add(batch)
        session.flush()
        period_start, period_end = runs[0].period_start, max(r.period_end for r in runs)
        items = []
        for row in _balances(session):
            item = {"vendor_id": row["vendor_id"], "currency_code": row["currency_code"],
                    "balance": int(row["balance"]), "amount": 0, "payout_id": None}
            if row["balance"] >= max(minimum, 1):
                payout = payouts.create_payout(
                    session, row["vendor_id"], int(row["balance"]), row["currency_code"], period_start, period_end,
                    note=f"payout batch {batch.id}", minimum_amount=minimum,
                )
                item.update(amount=payout.amount, payout_id=payout.id)
            items.append(item)
        batch.items = [i for i in items if i["payout_id"]]
        now = utcnow()
        for run in runs:
            run.status, run.locked_at, run.payout_batch_id = RunStatus.locked, now, batch.id
            run.version += 1
        session.flush()
        checked = suites.validate(suites.PAYOUTS, suites.payouts_frame(session, batch.id))
        if not checked.success:
            raise Failure(description="Expectations fail over the batch's payouts; nothing was created.",
                          metadata={"results": MetadataValue.md(checked.as_markdown())})
        paid_out = [i for i in items if i["payout_id"]]
        yield MaterializeResult(metadata={
            "batch_id": batch.id,
            "runs": len(runs),
            "payouts": len(paid_out),
            "items": MetadataValue.json(items),
        })
        yield AssetCheckResult(check_name="expectations", passed=True,
                               metadata={"results": MetadataValue.md(checked.as_markdown())})


run_tables = [
    AssetSpec(
        key=AssetKey(["commerce", name]), deps=[COMMISSION_RUN], group_name=GROUP, owners=OWNERS, kinds={"postgres"},
        description=f"Commerce store table `commerce.{name}`, written by the commission run asset: {text}",
    )
    for name, text in (
        ("commission_runs", "one record per period with totals, findings and status."),
    )
]

commission_job = define_asset_job(
    "commission_run_job", selection=[COMMISSION_RUN], partitions_def=daily,
    description="Compute the commission run of the selected day(s).",
)
payout_batch_job = define_asset_job(
    "payout_batch_job", selection=[PAYOUT_BATCH], description="Build the payout batch from approved runs."
)
commission_schedule = build_schedule_from_partitioned_job(
    commission_job, hour_of_day=1, minute_of_hour=0, default_status=DefaultScheduleStatus.RUNNING,
    description="Every day at 01:00 UTC: the commission run of yesterday.",
)

commissions_definitions = Definitions(
    assets=[commission_run, payout_batch, *run_tables],
    jobs=[commission_job, payout_batch_job],
    schedules=[commission_schedule],
)
