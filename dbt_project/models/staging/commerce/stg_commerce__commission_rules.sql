select
    id as commission_rule_id,
    name,
    scope,
    vendor_id,
    category_id,
    rate,
    fixed_fees,
    priority,
    valid_from,
    valid_to,
    created_at,
    updated_at
from {{ source('commerce', 'commission_rules') }}
