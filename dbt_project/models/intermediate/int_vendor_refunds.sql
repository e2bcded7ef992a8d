-- One row per refund and vendor order it touched: `refunds.allocations` maps vendor order ids to the
-- minor units given back from each, and the allocations of one refund sum to its amount.
select
    r.refund_id,
    r.order_id,
    alloc.key as vendor_order_id,
    vo.vendor_id,
    o.currency_code,
    alloc.value::bigint as amount,
    r.created_at as refunded_at,
    (r.created_at at time zone 'UTC')::date as refund_date
from {{ ref('stg_commerce__refunds') }} as r
cross join lateral jsonb_each_text(r.allocations) as alloc
join {{ ref('stg_commerce__vendor_orders') }} as vo on vo.vendor_order_id = alloc.key
join {{ ref('stg_commerce__orders') }} as o on o.order_id = r.order_id
