-- What each vendor may be paid, per currency, in the parts the vendor sees (from `payout_ledger`):
-- pending (not captured, or its day not yet in an approved run with no finding, or still held), available
-- (payable now: available earnings minus every payout requested, approved or paid), in payout (requested or
-- approved) and paid. `available + in_payout + paid` is every available earning.
select
    {{ grain_key(['vendor_id', 'currency_code']) }} as vendor_balance_id,
    vendor_id,
    currency_code,
    coalesce(sum(amount) filter (where balance_state = 'pending'), 0)::bigint as pending,
    sum(payable_amount)::bigint as available,
    (-coalesce(sum(amount) filter (where balance_state = 'in_payout'), 0))::bigint as in_payout,
    (-coalesce(sum(amount) filter (where balance_state = 'paid'), 0))::bigint as paid,
    max(occurred_at) as last_movement_at
from {{ ref('payout_ledger') }}
group by vendor_id, currency_code
