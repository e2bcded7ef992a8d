select
    id as product_id,
    vendor_id,
    title,
    handle,
    description,
    thumbnail,
    status,
    version,
    created_at,
    updated_at
from {{ source('commerce', 'products') }}
