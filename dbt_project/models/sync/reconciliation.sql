{{ config(materialized='view') }}

-- One row per drift between the commerce and content stores: a record missing on one side, a side
-- that applied an older version (stale), or a field that differs although both sides claim the same
-- version. `drift_since` is when the drift began; a view, so every read is the current state.

with products as (
    select * from {{ ref('stg_commerce__products') }}
),

product_contents as (
    select * from {{ ref('stg_content__product_contents') }}
),

orders as (
    select * from {{ ref('stg_commerce__orders') }}
),

order_records as (
    select * from {{ ref('stg_content__order_records') }}
),

vendors as (
    select * from {{ ref('stg_commerce__vendors') }}
),

tenants as (
    select * from {{ ref('stg_content__tenants') }}
),

tenant_links as (
    select * from {{ ref('stg_commerce__content_links') }} where entity_type = 'tenant'
),

product_drift as (
    select
        'product' as entity_type,
        coalesce(p.product_id, c.product_id) as entity_id,
        case
            when c.product_id is null then 'missing_in_content'
            when p.product_id is null then 'missing_in_commerce'
            when c.source_version < p.version then 'stale'
            else 'field_mismatch'
        end as drift_kind,
        case
            when p.product_id is not null and c.product_id is not null and c.source_version >= p.version
                then case
                    when c.title is distinct from p.title then 'title'
                    when c.handle is distinct from p.handle then 'handle'
                    else 'status'
                end
        end as field,
        case
            when c.product_id is null or (c.source_version < p.version) then p.updated_at
            else c.updated_at
        end as drift_since
    from products as p
    full outer join product_contents as c on c.product_id = p.product_id
    where
        (c.product_id is null)
        or (p.product_id is null and c.status <> 'archived')
        or (p.product_id is not null and c.source_version < p.version)
        or (
            p.product_id is not null
            and c.source_version >= p.version
            and (
                c.title is distinct from p.title
                or c.handle is distinct from p.handle
                or c.status is distinct from p.status
            )
        )
),

order_drift as (
    select
        'order' as entity_type,
        o.order_id as entity_id,
        case
            when r.order_id is null then 'missing_in_content'
            when r.source_version < o.version then 'stale'
            else 'field_mismatch'
        end as drift_kind,
        case
            when r.order_id is not null and r.source_version >= o.version
                then case when r.total <> o.total then 'total' else 'status' end
        end as field,
        case when r.order_id is null or r.source_version < o.version then o.updated_at else r.updated_at end
            as drift_since
    from orders as o
    left join order_records as r on r.order_id = o.order_id
    where
        r.order_id is null
        or r.source_version < o.version
        or r.total <> o.total
        or r.status is distinct from o.status
),

vendor_drift as (
    select
        'vendor' as entity_type,
        v.vendor_id as entity_id,
        case
            when t.tenant_id is null then 'missing_in_content'
            when t.source_version < v.version then 'stale'
            else 'field_mismatch'
        end as drift_kind,
        case when t.tenant_id is not null and t.source_version >= v.version then 'status' end as field,
        case when t.tenant_id is null or t.source_version < v.version then v.updated_at else t.updated_at end
            as drift_since
    from vendors as v
    left join tenants as t on t.vendor_id = v.vendor_id
    where
        t.tenant_id is null
        or t.source_version < v.version
        or t.status <> {{ tenant_status_for('v.status') }}
),

tenant_link_drift as (
    select
        'tenant' as entity_type,
        t.tenant_id as entity_id,
        case when l.entity_id is null then 'missing_in_commerce' else 'stale' end as drift_kind,
        cast(null as text) as field,
        t.updated_at as drift_since
    from tenants as t
    left join tenant_links as l on l.entity_id = t.tenant_id
    where l.entity_id is null or l.source_updated_at < t.updated_at
),

drifts as (
    select * from product_drift
    union all
    select * from order_drift
    union all
    select * from vendor_drift
    union all
    select * from tenant_link_drift
)

select
    entity_type,
    entity_id,
    drift_kind,
    field,
    drift_since,
    extract(epoch from (now() - drift_since))::bigint as drift_age_seconds
from drifts
