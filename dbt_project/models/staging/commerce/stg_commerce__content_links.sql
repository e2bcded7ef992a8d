select
    entity_type,
    entity_id,
    tenant_id,
    vendor_id,
    data,
    source_updated_at,
    synced_at,
    sync_status,
    sync_error
from {{ source('commerce', 'content_links') }}
