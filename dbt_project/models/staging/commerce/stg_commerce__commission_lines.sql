select
    id as commission_line_id,
    type as line_type,
    vendor_id,
    order_id,
    vendor_order_id,
    order_line_item_id as order_line_id,
    refund_id,
    rule_id as commission_rule_id,
    currency_code,
    gross_amount,
    base_amount,
    rate,
    fixed_fee,
    commission_amount,
    vendor_amount,
    created_at
from {{ source('commerce', 'commission_lines') }}
