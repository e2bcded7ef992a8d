-- Per commission run (one period), vendor and currency: what the run computed from the order lines and the
-- rules (sales and reversals), and how many findings it has for the vendor. Finance reads these through
-- `GET /admin/commissions/statements`.
with totals as (
    select
        r.commission_run_id,
        t.value ->> 'vendor_id' as vendor_id,
        t.value ->> 'currency_code' as currency_code,
        (t.value ->> 'lines')::bigint as sale_lines,
        (t.value ->> 'reversal_lines')::bigint as reversal_lines,
        (t.value ->> 'sales_base_amount')::bigint as sales_base,
        (t.value ->> 'base_amount')::bigint as base_amount,
        (t.value ->> 'gross_amount')::bigint as gross_amount,
        (t.value ->> 'commission_amount')::bigint as commission_amount,
        (t.value ->> 'vendor_amount')::bigint as earnings
    from {{ ref('stg_commerce__commission_runs') }} as r
    cross join lateral jsonb_array_elements(r.totals) as t
),
findings as (
    select
        r.commission_run_id,
        f.value ->> 'vendor_id' as vendor_id,
        count(*) as findings
    from {{ ref('stg_commerce__commission_runs') }} as r
    cross join lateral jsonb_array_elements(r.findings) as f
    group by 1, 2
)
select
    {{ grain_key(['c.commission_run_id', 'c.vendor_id', 'c.currency_code']) }} as statement_id,
    c.commission_run_id,
    r.period_start,
    r.period_end,
    r.status as run_status,
    c.vendor_id,
    v.name as vendor_name,
    c.currency_code,
    c.sale_lines,
    c.reversal_lines,
    c.sales_base,
    c.base_amount,
    c.gross_amount,
    c.commission_amount,
    c.earnings,
    coalesce(f.findings, 0) as findings,
    r.approved_at,
    r.locked_at,
    r.payout_batch_id
from totals as c
join {{ ref('stg_commerce__commission_runs') }} as r on r.commission_run_id = c.commission_run_id
left join {{ ref('stg_commerce__vendors') }} as v on v.vendor_id = c.vendor_id
left join findings as f on f.commission_run_id = c.commission_run_id and f.vendor_id = c.vendor_id
