select
    id as company_id,
    name,
    tax_id,
    currency_code,
    credit_limit,
    status,
    version,
    created_at,
    updated_at
from {{ source('commerce', 'companies') }}
