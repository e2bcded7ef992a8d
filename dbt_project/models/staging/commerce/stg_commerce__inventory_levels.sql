select
    variant_id,
    stocked_quantity,
    reserved_quantity,
    version,
    updated_at
from {{ source('commerce', 'inventory_levels') }}
