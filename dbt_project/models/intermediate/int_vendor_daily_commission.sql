-- Recorded commission per vendor, UTC day and currency: sale entries count on the day the order was
-- placed, reversals (refund, cancellation) on the day they were recorded.
select
    cl.vendor_id,
    case when cl.line_type = 'sale' then (o.created_at at time zone 'UTC')::date
         else (cl.created_at at time zone 'UTC')::date end as stat_date,
    cl.currency_code,
    sum(cl.commission_amount) as commission,
    sum(cl.vendor_amount) as vendor_amount,
    sum(cl.gross_amount) as gross_amount
from {{ ref('stg_commerce__commission_lines') }} as cl
join {{ ref('stg_commerce__orders') }} as o on o.order_id = cl.order_id
group by 1, 2, 3
