select
    id as order_record_id,
    order_id,
    number,
    customer_email,
    total,
    currency,
    vendor_ids,
    status,
    placed_at,
    synced_at,
    sync_status,
    sync_error,
    source_version,
    created_at,
    updated_at
from {{ source('content', 'order_records') }}
