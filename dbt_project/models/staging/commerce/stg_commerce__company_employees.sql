select
    user_id,
    company_id,
    spending_limit,
    created_at
from {{ source('commerce', 'company_employees') }}
