select
    id as page_id,
    tenant_id,
    title,
    slug,
    seo_title,
    seo_description,
    status,
    published_at,
    created_at,
    updated_at
from {{ source('content', 'pages') }}
