-- Per vendor, per UTC day, per currency (amounts of different currencies are never added).
with sales as (
    select
        vendor_id,
        order_date as stat_date,
        currency_code,
        sum(subtotal) as gross_sales,
        count(distinct vendor_order_id) as orders,
        sum(quantity) as items
    from {{ ref('fct_order_lines') }}
    where is_active
    group by 1, 2, 3
),
refunds as (
    -- Money given back on vendor orders that still count as sales (a canceled vendor order has left
    -- gross sales already, together with the refund that cancellation made).
    select r.vendor_id, r.refund_date as stat_date, r.currency_code, sum(r.amount) as refunds
    from {{ ref('int_vendor_refunds') }} as r
    join {{ ref('fct_vendor_orders') }} as vo on vo.vendor_order_id = r.vendor_order_id
    where vo.status <> 'canceled'
    group by 1, 2, 3
),
commission as (
    select vendor_id, stat_date, currency_code, commission, vendor_amount
    from {{ ref('int_vendor_daily_commission') }}
),
product_sales as (
    select
        vendor_id,
        order_date as stat_date,
        currency_code,
        product_id,
        min(title) as title,
        sum(subtotal) as gross_sales,
        sum(quantity) as items,
        row_number() over (
            partition by vendor_id, order_date, currency_code
            order by sum(subtotal) desc, product_id
        ) as rank
    from {{ ref('fct_order_lines') }}
    where is_active
    group by 1, 2, 3, 4
),
top_products as (
    select
        vendor_id,
        stat_date,
        currency_code,
        jsonb_agg(
            jsonb_build_object('product_id', product_id, 'title', title, 'gross_sales', gross_sales, 'items', items)
            order by rank
        ) as top_products
    from product_sales
    where rank <= {{ var('top_products', 5) }}
    group by 1, 2, 3
),
days as (
    select vendor_id, stat_date, currency_code from sales
    union
    select vendor_id, stat_date, currency_code from refunds
    union
    select vendor_id, stat_date, currency_code from commission
),
joined as (
    select
        days.vendor_id,
        days.stat_date,
        days.currency_code,
        coalesce(sales.gross_sales, 0)::bigint as gross_sales,
        coalesce(refunds.refunds, 0)::bigint as refunds,
        coalesce(sales.orders, 0)::bigint as orders,
        coalesce(sales.items, 0)::bigint as items,
        coalesce(commission.commission, 0)::bigint as commission,
        coalesce(commission.vendor_amount, 0)::bigint as earnings,
        coalesce(top_products.top_products, '[]'::jsonb) as top_products
    from days
    left join sales using (vendor_id, stat_date, currency_code)
    left join refunds using (vendor_id, stat_date, currency_code)
    left join commission using (vendor_id, stat_date, currency_code)
    left join top_products using (vendor_id, stat_date, currency_code)
)
select
    {{ grain_key(['vendor_id', 'stat_date', 'currency_code']) }} as vendor_stat_id,
    vendor_id,
    stat_date,
    currency_code,
    gross_sales,
    gross_sales - refunds as net_sales,
    orders,
    items,
    case when orders > 0 then {{ round_half_even('gross_sales::numeric / orders') }} else 0 end as average_order_value,
    refunds,
    commission,
    earnings,
    top_products
from joined
