{{
    config(
        materialized='incremental',
        unique_key='order_line_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['order_line_id'], 'unique': true},
            {'columns': ['order_date']},
            {'columns': ['vendor_id', 'order_date']},
            {'columns': ['updated_at']},
        ],
        post_hook="{{ delete_missing(ref('int_order_lines'), 'order_line_id') }}",
    )
}}
-- Grows with every order: incremental on the last change of the line's order or vendor order, with a
-- lookback (macros/incremental.sql); a partitioned run re-merges the days of its window; lines gone from
-- the store leave the mart in the post-hook.
select *
from {{ ref('int_order_lines') }}
{% if is_incremental() %}
where ({{ incremental_window('updated_at', 'ordered_at') }})
{% endif %}
