select
    id as tenant_id,
    vendor_id,
    name,
    slug,
    status,
    tagline,
    logo_id,
    primary_color,
    secondary_color,
    heading_font,
    domains,
    synced_at,
    sync_status,
    sync_error,
    source_version,
    created_at,
    updated_at
from {{ source('content', 'tenants') }}
