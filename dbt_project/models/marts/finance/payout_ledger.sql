-- Every movement of a vendor's balance per currency, classified by the one payable-balance definition
-- (`api/payouts/balance.py`, DESIGN §14; tests/analytics/test_marts.py proves both agree to the cent):
--   a commission ledger line (sale, refund, cancellation) takes the state of its vendor order:
--     `uncaptured` while nothing of the vendor order was captured;
--     `available` (earned) once captured, the UTC day its order was placed lies in a commission run that is
--       approved or locked with its checks passed, and the vendor's holding period after the capture is over;
--     `pending` otherwise;
--   a payout is debited when requested (`in_payout` while requested or approved, `paid` when paid); a failed
--   or rejected one holds nothing (`returned`: debited, then credited back when decided).
-- As of the build (`now()`): the holding period runs from the capture (`vendors.payout_hold_days`).
with settled_days as (
    select distinct d::date as settled_day
    from {{ ref('stg_commerce__commission_runs') }} as r
    cross join lateral generate_series(r.period_start, r.period_end, interval '1 day') as d
    where r.status in ('approved', 'locked') and r.checks_passed
),
vendor_orders as (
    select
        vo.vendor_order_id,
        (o.created_at at time zone 'UTC')::date as order_day,
        vo.captured_total > 0 as is_captured,
        coalesce(vo.captured_at + make_interval(days => v.payout_hold_days) <= now(), false) as hold_is_over
    from {{ ref('stg_commerce__vendor_orders') }} as vo
    join {{ ref('stg_commerce__orders') }} as o on o.order_id = vo.order_id
    join {{ ref('stg_commerce__vendors') }} as v on v.vendor_id = vo.vendor_id
),
movements as (
    select
        'commission_line:' || cl.commission_line_id as entry_id,
        cl.vendor_id,
        cl.currency_code,
        cl.line_type as entry_type,
        cl.commission_line_id as source_id,
        cl.order_id,
        cl.vendor_order_id,
        null::varchar as payout_id,
        vo.order_day as line_day,
        cl.vendor_amount as amount,
        case
            when not vo.is_captured then 'uncaptured'
            when s.settled_day is not null and vo.hold_is_over then 'available'
            else 'pending'
        end as balance_state,
        cl.created_at as occurred_at
    from {{ ref('stg_commerce__commission_lines') }} as cl
    join vendor_orders as vo on vo.vendor_order_id = cl.vendor_order_id
    left join settled_days as s on s.settled_day = vo.order_day
    union all
    select
        'payout:' || payout_id,
        vendor_id,
        currency_code,
        'payout',
        payout_id,
        null,
        null,
        payout_id,
        null,
        -amount,
        case when status = 'paid' then 'paid'
             when status in ('requested', 'approved') then 'in_payout'
             else 'returned' end,
        created_at
    from {{ ref('stg_commerce__payouts') }}
    union all
    select
        'payout_returned:' || payout_id,
        vendor_id,
        currency_code,
        'payout_returned',
        payout_id,
        null,
        null,
        payout_id,
        null,
        amount,
        'returned',
        coalesce(decided_at, updated_at)
    from {{ ref('stg_commerce__payouts') }}
    where status in ('failed', 'rejected')
),
counted as (
    select
        *,
        case when balance_state in ('uncaptured', 'pending') then 0 else amount end as payable_amount
    from movements
)
select
    entry_id,
    vendor_id,
    currency_code,
    entry_type,
    source_id,
    order_id,
    vendor_order_id,
    payout_id,
    line_day,
    amount,
    balance_state,
    payable_amount,
    occurred_at,
    sum(payable_amount) over (
        partition by vendor_id, currency_code
        order by occurred_at, entry_id
        rows between unbounded preceding and current row
    ) as payable_balance_after
from counted
