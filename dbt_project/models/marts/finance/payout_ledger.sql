-- Every movement of a vendor's balance, per currency, in time order: earnings from the commission ledger
-- (sales credit, refunds and cancellations debit), payouts debit when requested, and a failed or rejected
-- payout credits its amount back when decided. `balance_after` is the running balance.
with movements as (
    select
        'commission_line:' || commission_line_id as entry_id,
        vendor_id,
        currency_code,
        line_type as entry_type,
        commission_line_id as source_id,
        order_id,
        null::varchar as payout_id,
        vendor_amount as amount,
        created_at as occurred_at
    from {{ ref('stg_commerce__commission_lines') }}
    union all
    select
        'payout:' || payout_id,
        vendor_id,
        currency_code,
        'payout',
        payout_id,
        null,
        payout_id,
        -amount,
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
        amount,
        coalesce(decided_at, updated_at)
    from {{ ref('stg_commerce__payouts') }}
    where status in ('failed', 'rejected')
)
select
    entry_id,
    vendor_id,
    currency_code,
    entry_type,
    source_id,
    order_id,
    payout_id,
    amount,
    occurred_at,
    sum(amount) over (
        partition by vendor_id, currency_code
        order by occurred_at, entry_id
        rows between unbounded preceding and current row
    ) as balance_after
from movements
