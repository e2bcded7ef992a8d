select
    id as variant_price_id,
    variant_id,
    currency_code,
    amount
from {{ source('commerce', 'variant_prices') }}
