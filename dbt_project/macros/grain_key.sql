{% macro grain_key(columns) -%}
{#- A readable key from the grain columns (no dbt_utils dependency). -#}
concat_ws('|', {% for column in columns %}{{ column }}::text{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
