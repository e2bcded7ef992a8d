select
    id as region_id,
    name,
    currency_code,
    tax_rate,
    countries,
    created_at,
    updated_at
from {{ source('commerce', 'regions') }}
