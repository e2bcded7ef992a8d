select
    id as vendor_id,
    name,
    slug,
    email,
    status,
    commission_rate,
    default_currency,
    version,
    created_at,
    updated_at
from {{ source('commerce', 'vendors') }}
