-- Per company, UTC month and currency: what the company ordered (canceled orders excluded), and the
-- refunds it received, on the month they were made.
with spend as (
    select
        company_id,
        date_trunc('month', created_at at time zone 'UTC')::date as month,
        currency_code,
        count(*) as orders,
        sum(subtotal) as subtotal,
        sum(total) as total
    from {{ ref('stg_commerce__orders') }}
    where company_id is not null and status <> 'canceled'
    group by 1, 2, 3
),
refunds as (
    select
        o.company_id,
        date_trunc('month', r.created_at at time zone 'UTC')::date as month,
        o.currency_code,
        sum(r.amount) as refunds
    from {{ ref('stg_commerce__refunds') }} as r
    join {{ ref('stg_commerce__orders') }} as o on o.order_id = r.order_id
    where o.company_id is not null and o.status <> 'canceled'
    group by 1, 2, 3
),
months as (
    select company_id, month, currency_code from spend
    union
    select company_id, month, currency_code from refunds
)
select
    {{ grain_key(['m.company_id', 'm.month', 'm.currency_code']) }} as company_spend_id,
    m.company_id,
    c.name as company_name,
    m.month,
    m.currency_code,
    coalesce(s.orders, 0) as orders,
    coalesce(s.subtotal, 0) as subtotal,
    coalesce(s.total, 0) as total,
    coalesce(r.refunds, 0) as refunds,
    coalesce(s.total, 0) - coalesce(r.refunds, 0) as net_spend
from months as m
join {{ ref('stg_commerce__companies') }} as c on c.company_id = m.company_id
left join spend as s on s.company_id = m.company_id and s.month = m.month and s.currency_code = m.currency_code
left join refunds as r on r.company_id = m.company_id and r.month = m.month and r.currency_code = m.currency_code
