-- What each vendor may be paid, per currency, in the parts of `api/payouts/balance.py` (`Balance`), summed
-- from `payout_ledger`: uncaptured, pending, available (earned minus payouts requested, approved or paid),
-- in payout, paid, and `captured_net` = pending + available + in_payout + paid (the vendor's share of the
-- money captured, net of refunds).
with parts as (
    select
        vendor_id,
        currency_code,
        coalesce(sum(amount) filter (where balance_state = 'uncaptured'), 0)::bigint as uncaptured,
        coalesce(sum(amount) filter (where balance_state = 'pending'), 0)::bigint as pending,
        coalesce(sum(payable_amount), 0)::bigint as available,
        (-coalesce(sum(amount) filter (where balance_state = 'in_payout'), 0))::bigint as in_payout,
        (-coalesce(sum(amount) filter (where balance_state = 'paid'), 0))::bigint as paid,
        max(occurred_at) as last_movement_at
    from {{ ref('payout_ledger') }}
    group by vendor_id, currency_code
)
select
    {{ grain_key(['vendor_id', 'currency_code']) }} as vendor_balance_id,
    vendor_id,
    currency_code,
    uncaptured,
    pending,
    available,
    in_payout,
    paid,
    pending + available + in_payout + paid as captured_net,
    last_movement_at
from parts
