select
    id as commission_run_id,
    period_start,
    period_end,
    status,
    totals,
    findings,
    line_count,
    finding_count,
    checks_passed,
    dagster_run_id,
    computed_at,
    approved_at,
    approved_by,
    locked_at,
    payout_batch_id
from {{ source('commerce', 'commission_runs') }}
