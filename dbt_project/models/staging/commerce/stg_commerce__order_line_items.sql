select
    id as order_line_id,
    vendor_order_id,
    variant_id,
    product_id,
    title,
    variant_title,
    sku,
    quantity,
    unit_price,
    subtotal
from {{ source('commerce', 'order_line_items') }}
