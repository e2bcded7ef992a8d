select
    id as payment_id,
    order_id,
    provider,
    provider_reference,
    currency_code,
    amount,
    captured_amount,
    refunded_amount,
    created_at,
    updated_at
from {{ source('commerce', 'payments') }}
