{{
    config(
        materialized='incremental',
        unique_key='vendor_order_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['vendor_order_id'], 'unique': true},
            {'columns': ['vendor_id', 'order_date']},
            {'columns': ['updated_at']},
        ],
        post_hook="{{ delete_missing(ref('stg_commerce__vendor_orders'), 'vendor_order_id') }}",
    )
}}
-- Incremental like fct_order_lines: lookback on the last change, the partition window's days re-merged,
-- vendor orders gone from the store deleted in the post-hook.
with lines as (
    select vendor_order_id, count(*) as line_count, sum(quantity) as item_count
    from {{ ref('stg_commerce__order_line_items') }}
    group by vendor_order_id
)
select
    vo.vendor_order_id,
    vo.order_id,
    o.display_id as order_display_id,
    vo.vendor_id,
    o.customer_id,
    o.currency_code,
    vo.status,
    o.payment_status,
    vo.subtotal,
    vo.shipping_total,
    vo.tax_total,
    vo.total,
    vo.captured_total,
    vo.refunded_total,
    vo.commission_rate as recorded_commission_rate,
    coalesce(lines.line_count, 0) as line_count,
    coalesce(lines.item_count, 0) as item_count,
    o.created_at as ordered_at,
    (o.created_at at time zone 'UTC')::date as order_date,
    vo.fulfilled_at,
    vo.canceled_at,
    greatest(vo.updated_at, o.updated_at) as updated_at
from {{ ref('stg_commerce__vendor_orders') }} as vo
join {{ ref('stg_commerce__orders') }} as o on o.order_id = vo.order_id
left join lines on lines.vendor_order_id = vo.vendor_order_id
{% if is_incremental() %}
where ({{ incremental_window('greatest(vo.updated_at, o.updated_at)', 'o.created_at') }})
{% endif %}
