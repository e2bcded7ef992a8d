select
    product_id,
    category_id
from {{ source('commerce', 'product_categories') }}
