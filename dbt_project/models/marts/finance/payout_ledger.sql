-- Every movement of a vendor's balance per currency, and whether it counts in what the vendor may be paid
-- (DESIGN §14, issue 14; the one definition is the payable-balance module of `api/payouts`):
--   a commission ledger line (sale, refund, cancellation) is `available` when its vendor order's payment
--   was captured, its day is in a commission run that is approved or locked with no finding, and the
--   vendor's holding period after that day is over; otherwise it is `pending`.
--   a payout is debited when requested (`in_payout` while requested or approved, `paid` when paid); a
--   failed or rejected one is credited back when decided (`returned`).
-- The day of a line is the commission run's: a sale counts on the UTC day its order was placed, a
-- reversal on the day of its refund (or of the cancellation that reversed it without a refund).
with vendors as (
    -- Holding period in days after a line's day before it becomes available (no column yet: 0).
    select vendor_id, 0 as holding_days
    from {{ ref('stg_commerce__vendors') }}
),
approved_days as (
    select distinct d::date as run_day
    from {{ ref('stg_commerce__commission_runs') }} as r
    cross join lateral generate_series(r.period_start, r.period_end, interval '1 day') as d
    where r.status in ('approved', 'locked') and r.finding_count = 0
),
lines as (
    select
        cl.commission_line_id,
        cl.vendor_id,
        cl.currency_code,
        cl.line_type,
        cl.order_id,
        cl.vendor_amount,
        cl.created_at,
        (case when cl.line_type = 'sale' then o.created_at
              else coalesce(r.created_at, vo.canceled_at, cl.created_at) end at time zone 'UTC')::date as line_day,
        vo.captured_total > 0 as is_captured
    from {{ ref('stg_commerce__commission_lines') }} as cl
    join {{ ref('stg_commerce__orders') }} as o on o.order_id = cl.order_id
    join {{ ref('stg_commerce__vendor_orders') }} as vo on vo.vendor_order_id = cl.vendor_order_id
    left join {{ ref('stg_commerce__refunds') }} as r on r.refund_id = cl.refund_id
),
movements as (
    select
        'commission_line:' || l.commission_line_id as entry_id,
        l.vendor_id,
        l.currency_code,
        l.line_type as entry_type,
        l.commission_line_id as source_id,
        l.order_id,
        null::varchar as payout_id,
        l.line_day,
        l.vendor_amount as amount,
        case
            when l.is_captured and a.run_day is not null
                 and l.line_day + v.holding_days <= (now() at time zone 'UTC')::date then 'available'
            else 'pending'
        end as balance_state,
        l.created_at as occurred_at
    from lines as l
    join vendors as v on v.vendor_id = l.vendor_id
    left join approved_days as a on a.run_day = l.line_day
    union all
    select
        'payout:' || payout_id,
        vendor_id,
        currency_code,
        'payout',
        payout_id,
        null,
        payout_id,
        (created_at at time zone 'UTC')::date,
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
        payout_id,
        (coalesce(decided_at, updated_at) at time zone 'UTC')::date,
        amount,
        'returned',
        coalesce(decided_at, updated_at)
    from {{ ref('stg_commerce__payouts') }}
    where status in ('failed', 'rejected')
),
counted as (
    select
        *,
        case when balance_state = 'pending' then 0 else amount end as payable_amount
    from movements
)
select
    entry_id,
    vendor_id,
    currency_code,
    entry_type,
    source_id,
    order_id,
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
