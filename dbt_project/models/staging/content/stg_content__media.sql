select
    id as media_id,
    tenant_id,
    filename,
    kind,
    mime_type,
    filesize,
    width,
    height,
    alt,
    created_at,
    updated_at
from {{ source('content', 'media') }}
