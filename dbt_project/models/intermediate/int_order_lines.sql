-- One row per order line with its vendor order and order context: the shared base of every sales mart.
select
    l.order_line_id,
    l.vendor_order_id,
    vo.order_id,
    vo.vendor_id,
    l.product_id,
    l.variant_id,
    l.title,
    l.variant_title,
    l.sku,
    l.quantity,
    l.unit_price,
    l.subtotal,
    o.currency_code,
    o.customer_id,
    o.region_id,
    o.created_at as ordered_at,
    (o.created_at at time zone 'UTC')::date as order_date,
    o.status as order_status,
    vo.status as vendor_order_status,
    vo.status <> 'canceled' as is_active,
    vo.commission_rate as recorded_commission_rate,
    greatest(vo.updated_at, o.updated_at) as updated_at
from {{ ref('stg_commerce__order_line_items') }} as l
join {{ ref('stg_commerce__vendor_orders') }} as vo on vo.vendor_order_id = l.vendor_order_id
join {{ ref('stg_commerce__orders') }} as o on o.order_id = vo.order_id
