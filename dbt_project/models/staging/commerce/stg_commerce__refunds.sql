select
    id as refund_id,
    order_id,
    vendor_order_id,
    amount,
    reason,
    allocations,
    provider_reference,
    created_at
from {{ source('commerce', 'refunds') }}
