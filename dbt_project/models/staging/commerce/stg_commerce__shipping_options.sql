select
    id as shipping_option_id,
    vendor_id,
    name,
    prices,
    created_at
from {{ source('commerce', 'shipping_options') }}
