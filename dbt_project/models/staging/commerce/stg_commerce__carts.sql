select
    id as cart_id,
    region_id,
    currency_code,
    customer_id,
    email,
    status,
    completed_at,
    created_at,
    updated_at
from {{ source('commerce', 'carts') }}
