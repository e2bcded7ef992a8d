select
    id as category_id,
    name,
    slug,
    description,
    image_id,
    parent_id,
    created_at,
    updated_at
from {{ source('content', 'categories') }}
