{{
    config(
        materialized='incremental',
        unique_key='order_line_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['order_date']}, {'columns': ['vendor_id', 'order_date']}],
    )
}}
-- Grows with every order: incremental on the last change of the line's order or vendor order.
select *
from {{ ref('int_order_lines') }}
{% if is_incremental() %}
where updated_at >= (select coalesce(max(updated_at), '-infinity'::timestamptz) from {{ this }})
{% endif %}
