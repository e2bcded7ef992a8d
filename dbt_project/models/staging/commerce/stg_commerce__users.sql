select
    id as user_id,
    email,
    role,
    vendor_id,
    company_id,
    company_role,
    is_active,
    created_at
from {{ source('commerce', 'users') }}
