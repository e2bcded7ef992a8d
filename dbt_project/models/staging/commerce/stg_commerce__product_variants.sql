select
    id as variant_id,
    product_id,
    title,
    sku,
    options,
    position,
    created_at
from {{ source('commerce', 'product_variants') }}
