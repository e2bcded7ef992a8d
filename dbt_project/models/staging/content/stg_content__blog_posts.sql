select
    id as blog_post_id,
    tenant_id,
    title,
    slug,
    author,
    tags,
    status,
    published_at,
    created_at,
    updated_at
from {{ source('content', 'blog_posts') }}
