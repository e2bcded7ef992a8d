with employees as (
    select company_id, count(*) as employee_count
    from {{ ref('stg_commerce__company_employees') }}
    group by company_id
),
orders as (
    select company_id, count(*) as lifetime_orders, min(created_at) as first_order_at, max(created_at) as last_order_at
    from {{ ref('stg_commerce__orders') }}
    where company_id is not null and status <> 'canceled'
    group by company_id
)
select
    c.company_id,
    c.name,
    c.tax_id,
    c.currency_code,
    c.credit_limit,
    c.status,
    coalesce(e.employee_count, 0) as employee_count,
    coalesce(o.lifetime_orders, 0) as lifetime_orders,
    o.first_order_at,
    o.last_order_at,
    c.created_at,
    c.updated_at
from {{ ref('stg_commerce__companies') }} as c
left join employees as e on e.company_id = c.company_id
left join orders as o on o.company_id = c.company_id
