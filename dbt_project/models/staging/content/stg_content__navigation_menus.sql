select
    id as navigation_menu_id,
    tenant_id,
    location,
    items,
    created_at,
    updated_at
from {{ source('content', 'navigation_menus') }}
