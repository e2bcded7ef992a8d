{{ config(materialized='view') }}

-- Sync health per entity: how many records each side has, how many the receiving side holds as
-- synced / pending / failed, when it last synced, and how much drift reconciliation sees.

with drift as (
    select
        entity_type,
        count(*) as drifts,
        max(drift_age_seconds) as oldest_drift_age_seconds
    from {{ ref('reconciliation') }}
    group by entity_type
),

sides as (
    select
        'product' as entity_type,
        (select count(*) from {{ ref('stg_commerce__products') }}) as source_records,
        count(*) filter (where status <> 'archived') as target_records,
        count(*) filter (where sync_status = 'synced') as synced,
        count(*) filter (where sync_status = 'pending') as pending,
        count(*) filter (where sync_status = 'failed') as failed,
        max(synced_at) as last_synced_at
    from {{ ref('stg_content__product_contents') }}

    union all

    select
        'order',
        (select count(*) from {{ ref('stg_commerce__orders') }}),
        count(*),
        count(*) filter (where sync_status = 'synced'),
        count(*) filter (where sync_status = 'pending'),
        count(*) filter (where sync_status = 'failed'),
        max(synced_at)
    from {{ ref('stg_content__order_records') }}

    union all

    select
        'vendor',
        (select count(*) from {{ ref('stg_commerce__vendors') }}),
        count(*),
        count(*) filter (where sync_status = 'synced'),
        count(*) filter (where sync_status = 'pending'),
        count(*) filter (where sync_status = 'failed'),
        max(synced_at)
    from {{ ref('stg_content__tenants') }}

    union all

    select
        'tenant',
        (select count(*) from {{ ref('stg_content__tenants') }}),
        count(*),
        count(*) filter (where sync_status = 'synced'),
        count(*) filter (where sync_status = 'pending'),
        count(*) filter (where sync_status = 'failed'),
        max(synced_at)
    from {{ ref('stg_commerce__content_links') }}
    where entity_type = 'tenant'
)

select
    sides.entity_type,
    sides.source_records,
    sides.target_records,
    sides.synced,
    sides.pending,
    sides.failed,
    sides.last_synced_at,
    coalesce(drift.drifts, 0) as drifts,
    drift.oldest_drift_age_seconds
from sides
left join drift on drift.entity_type = sides.entity_type
