with orders as (
    select
        vendor_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) filter (where status <> 'canceled') as lifetime_vendor_orders
    from {{ ref('fct_vendor_orders') }}
    group by vendor_id
),
products as (
    select vendor_id, count(*) as product_count, count(*) filter (where status = 'published') as published_product_count
    from {{ ref('stg_commerce__products') }}
    group by vendor_id
)
select
    v.vendor_id,
    v.name,
    v.slug,
    v.email,
    v.status,
    v.commission_rate,
    v.default_currency,
    t.tenant_id,
    t.name as tenant_name,
    t.status as tenant_status,
    coalesce(p.product_count, 0) as product_count,
    coalesce(p.published_product_count, 0) as published_product_count,
    coalesce(orders.lifetime_vendor_orders, 0) as lifetime_vendor_orders,
    orders.first_order_at,
    orders.last_order_at,
    v.created_at,
    v.updated_at
from {{ ref('stg_commerce__vendors') }} as v
left join {{ ref('stg_content__tenants') }} as t on t.vendor_id = v.vendor_id
left join products as p on p.vendor_id = v.vendor_id
left join orders on orders.vendor_id = v.vendor_id
