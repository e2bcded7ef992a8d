with variants as (
    select product_id, count(*) as variant_count
    from {{ ref('stg_commerce__product_variants') }}
    group by product_id
),
categories as (
    select product_id, array_agg(category_id order by category_id) as category_ids
    from {{ ref('stg_commerce__product_categories') }}
    group by product_id
)
select
    p.product_id,
    p.vendor_id,
    v.name as vendor_name,
    p.title,
    p.handle,
    p.status,
    p.thumbnail,
    coalesce(variants.variant_count, 0) as variant_count,
    coalesce(categories.category_ids, '{}'::varchar[]) as category_ids,
    pc.product_content_id,
    pc.sync_status as content_sync_status,
    pc.synced_at as content_synced_at,
    p.created_at,
    p.updated_at
from {{ ref('stg_commerce__products') }} as p
join {{ ref('stg_commerce__vendors') }} as v on v.vendor_id = p.vendor_id
left join variants on variants.product_id = p.product_id
left join categories on categories.product_id = p.product_id
left join {{ ref('stg_content__product_contents') }} as pc on pc.product_id = p.product_id
