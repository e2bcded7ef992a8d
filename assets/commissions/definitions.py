"""Commission runs and payout batches.

- `commissions/commission_run` (daily partitions, UTC): for each day, recompute every vendor's commission and
  earnings from the order lines and the rules in force at order time (`assets/commissions/engine.py`) and
  compare with the commission lines recorded at checkout. The run record (`commerce.commission_runs`) holds
  totals per vendor and currency and every finding. Its checks, `matches_recorded` (fails on any finding) and
  `expectations` (the Great Expectations suites of `quality/suites.py`), are evaluated per daily partition (a
  range run records one evaluation per day, so a failing day stays visible on its own in the UI) and are
  blocking: a failing day fails the step, and nothing downstream in the same Dagster run builds on it.
  Backfills over past days work from the UI; a range runs as one Dagster run, one record per day.
- `commissions/payout_batch`: after finance approves runs, one payout per vendor and currency whose available
  balance (`api.payouts.balance`, over exactly the runs the batch lists) is at least the minimum
  (`api.commission_runs.service.build_batch`). The suites run again over every approved run first; a run
  failing them now is left out with the reason. Each vendor is paid or skipped on its own; a run is in at
  most one batch and a batch pays a vendor once per currency (database constraints). The runs lock when
  finance pays the batch.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetRecordsFilter,
    AssetSpec,
    BackfillPolicy,
    Config,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
    build_schedule_from_partitioned_job,
    define_asset_job,
)
from dagster._core.definitions.asset_checks.asset_check_evaluation import (  # not exported; the link to the day
    AssetCheckEvaluationTargetMaterializationData,
)

from api.commission_runs import service as run_service
from api.commission_runs.models import CommissionRun
from api.config import get_settings
from api.db import Domain
from assets.commissions.engine import RunResult, run_periods
from orchestration.resources import StoresResource

GROUP = "commissions"
OWNERS = ["team:data", "team:finance"]
COMMISSION_RUN = AssetKey(["commissions", "commission_run"])
PAYOUT_BATCH = AssetKey(["commissions", "payout_batch"])
# Every store table each asset reads (lineage in the Dagster UI); what they write is declared below them
# (`run_tables`). The batch also reads the two tables it writes, `commission_runs` (which runs are approved) and
# `payouts` (what is already paid): a table an asset writes is drawn downstream of it only (the graph has no
# cycles), so `payout_ledger`, which reads both, lies downstream of the payout batch.
RUN_READS = ("orders", "vendor_orders", "order_line_items", "vendors", "commission_rules", "commission_lines",
             "refunds")
BATCH_READS = ("commission_lines", "vendor_orders", "orders", "vendors")
daily = DailyPartitionsDefinition(start_date="2025-01-01", timezone="UTC", end_offset=0)


# The run's checks, evaluated per daily partition (`_evaluations`): a day with a finding or a failing expectation
# fails the step, so nothing downstream of the run in the same Dagster run (the payout batch) builds on it.
CHECKS = {
    spec.name: spec for spec in (
        AssetCheckSpec("matches_recorded", asset=COMMISSION_RUN, partitions_def=daily, blocking=True,
                       description="Per day: fails on any difference between the run and the recorded commission "
                       "lines."),
        AssetCheckSpec("expectations", asset=COMMISSION_RUN, partitions_def=daily, blocking=True,
                       description="Per day, Great Expectations: commission = rate x base within one minor unit "
                       "per line, no negative earnings, run totals equal the sum of lines, every order line has "
                       "exactly one commission line, currencies valid."),
    )
}


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
    deps=[AssetKey(["commerce", name]) for name in RUN_READS],
    check_specs=list(CHECKS.values()),
    description="Daily commission run (UTC days): every vendor's commission and earnings recomputed from the "
    "order lines and the rules in force at order time, compared with the lines recorded at checkout. One "
    "record per day in `commerce.commission_runs` (draft -> approved -> locked); approved or locked days are "
    "left as they are.",
)
def commission_run(context: AssetExecutionContext, stores: StoresResource) -> Iterator[Any]:
    suites_by_run: list[list[Any]] = []
    days = _days(context)
    with stores.database.transaction(Domain.commerce) as session:
        results = run_periods(session, [(day, day) for day in days], dagster_run_id=context.run_id,
                              separate_readers=True)
    for result in results:
        context.log.info(
            f"{result.period_start}: run {result.run_id} ({result.status}"
            f"{'' if result.recomputed else ', unchanged'}): {result.line_count} lines, {result.finding_count} findings"
        )
    with stores.database.transaction(Domain.commerce) as session:
        for result in results:
            run_suites = _suites_for_run(session, result)
            suites_by_run.append(run_suites)
            if result.recomputed:  # approved and locked runs keep the checks they were approved with
                run_service.record_checks(session, result.run_id, [
                    {"check": "matches_recorded", "passed": result.finding_count == 0,
                     "failed": [f"{result.finding_count} finding(s)"] if result.finding_count else []},
                    {"check": "expectations", "passed": all(s.success for s in run_suites),
                     "failed": [f"{s.suite}: {r['rule']}" for s in run_suites for r in s.failed]},
                ])
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
    yield from _evaluations(context, "matches_recorded", [
        (result.period_start, result.finding_count == 0, {
            "run_id": result.run_id, "findings": result.finding_count,
            "findings_list": MetadataValue.md(_findings_markdown([result])),
        })
        for result in results
    ])
    yield from _evaluations(context, "expectations", [
        (result.period_start, not failed, {
            "run_id": result.run_id, "failed": MetadataValue.json(failed),
            "results": MetadataValue.md("\n\n".join(f"**{s.suite}** ({s.rows} rows)\n\n{s.as_markdown()}"
                                                    for s in run_suites)),
        })
        for result, run_suites in zip(results, suites_by_run, strict=True)
        for failed in [[f"{s.suite}: {r['rule']}" for s in run_suites for r in s.failed]]
    ])


def _evaluations(
    context: AssetExecutionContext, check_name: str, days: list[tuple[date, bool, dict[str, Any]]]
) -> Iterator[Any]:
    """One evaluation of the check per daily partition the run covers (a range run included), each tied to that
    partition's materialization, so a failing day stays visible on its own in the UI; then the check's output
    once. A failing day fails the step: both checks are blocking (see `CHECKS`). A day that is no partition
    yet (today, in a range given by hand) has no evaluation; if it fails, the step fails all the same."""
    key = AssetCheckKey(COMMISSION_RUN, check_name)
    for day, passed, metadata in days:
        if not daily.has_partition_key(day.isoformat()):  # today (a hand-made range only): not a partition yet
            if not passed:
                raise Failure(description=f"Check {check_name} fails for {day}, a day that is not over.",
                              metadata=metadata)
            continue
        target = None
        for latest in context.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=COMMISSION_RUN, asset_partitions=[day.isoformat()]), limit=1
        ).records:
            target = AssetCheckEvaluationTargetMaterializationData(
                run_id=latest.event_log_entry.run_id, storage_id=latest.storage_id, timestamp=latest.timestamp)
        yield AssetCheckEvaluation(
            asset_key=COMMISSION_RUN, check_name=check_name, passed=passed, metadata=metadata,
            target_materialization_data=target, severity=AssetCheckSeverity.ERROR,
            blocking=CHECKS[check_name].blocking, partition=day.isoformat(),
        )
    yield Output(None, output_name=context.assets_def.get_output_name_for_asset_check_key(key))


class PayoutBatchConfig(Config):
    minimum_amount: int = -1
    """Smallest payout in minor units; -1 takes `PAYOUT_MINIMUM_AMOUNT` from the settings."""


@asset(
    key=PAYOUT_BATCH,
    group_name=GROUP,
    owners=OWNERS,
    deps=[COMMISSION_RUN, *(AssetKey(["commerce", name]) for name in BATCH_READS)],
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

        def failed_checks(run: CommissionRun) -> list[str]:
            return [f"{s.suite}: {r['rule']}" for s in _suites_for_run(session, run) for r in s.failed]

        batch, skipped = run_service.build_batch(session, minimum=minimum, failed_checks=failed_checks,
                                                 dagster_run_id=context.run_id)
        if batch is None:
            context.log.info(f"No approved commission run to pay out ({len(skipped)} left out: checks fail).")
            yield MaterializeResult(metadata={"batch_id": None, "runs": 0, "payouts": 0,
                                              "skipped_runs": MetadataValue.json(skipped)})
            yield AssetCheckResult(check_name="expectations", passed=not skipped,
                                   metadata={"payouts": 0, "skipped_runs": MetadataValue.json(skipped)})
            return
        checked = suites.validate(suites.PAYOUTS, suites.payouts_frame(session, batch.id))
        if not checked.success:
            raise Failure(description="Expectations fail over the batch's payouts; nothing was created.",
                          metadata={"results": MetadataValue.md(checked.as_markdown())})
        paid_out = [i for i in batch.items if i["payout_id"]]
        yield MaterializeResult(metadata={
            "batch_id": batch.id,
            "runs": len(batch.run_ids),
            "payouts": len(paid_out),
            "skipped": len(batch.items) - len(paid_out),
            "skipped_runs": MetadataValue.json(batch.skipped_runs),
            "items": MetadataValue.json(batch.items),
        })
        yield AssetCheckResult(check_name="expectations", passed=not batch.skipped_runs,
                               metadata={"results": MetadataValue.md(checked.as_markdown()),
                                         "skipped_runs": MetadataValue.json(batch.skipped_runs)})


run_tables = [
    AssetSpec(
        key=AssetKey(["commerce", name]), deps=writers, group_name=GROUP, owners=OWNERS, kinds={"postgres"},
        description=f"Commerce store table `commerce.{name}`, written by "
        f"{' and '.join(f'`{w.to_user_string()}`' for w in writers)}{also}: {text}",
    )
    for name, writers, also, text in (
        ("commission_runs", [COMMISSION_RUN, PAYOUT_BATCH], " (and finance's approvals)",
         "one record per period with totals, findings, checks, status and the batch that includes it."),
        ("payouts", [PAYOUT_BATCH], " (and vendors' requests)",
         "vendor payouts (requested by a vendor or built by a payout batch), with their status."),
        ("payout_batches", [PAYOUT_BATCH], "", "the batches with each vendor paid or skipped (and why)."),
        ("payout_batch_runs", [PAYOUT_BATCH], "", "the runs each batch includes (a run is in one batch at most)."),
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
