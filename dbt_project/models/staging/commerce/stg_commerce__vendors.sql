select
    id as vendor_id,
    name,
    slug,
    email,
    status,
    commission_rate,
    default_currency,
    payout_hold_days,
    version,
    created_at,
    updated_at
from {{ source('commerce', 'vendors') }}
