{% macro incremental_window(updated_at, occurred_at, cursor='updated_at') -%}
{#- The rows an incremental run (re)merges:
    - every row changed (`updated_at`, an expression over the sources) since the newest change already in
      the table (its column `cursor`), minus `incremental_lookback`: a
      transaction stamps `updated_at` when it starts, so one that commits while a build runs carries a
      time earlier than what that build saw; the lookback picks it up on the next build (merge makes the
      overlap harmless);
    - every row whose `occurred_at` lies in the partition window [`min_date`, `max_date`) that Dagster
      passes for a partitioned run (a rebuild of those days). -#}
{{ updated_at }} >= (
    select coalesce(max({{ cursor }}), '-infinity'::timestamptz) from {{ this }}
) - interval '{{ var("incremental_lookback") }}'
{%- if var('min_date', none) and var('max_date', none) %}
or ({{ occurred_at }} >= '{{ var("min_date") }}'::timestamptz and {{ occurred_at }} < '{{ var("max_date") }}'::timestamptz)
{%- endif %}
{%- endmacro %}


{% macro delete_missing(source_relation, key) -%}
{#- A post-hook of incremental models: rows whose key is gone from the model's source are deleted, so
    deletes reach the mart (an anti-join on the key, which is indexed on both sides). -#}
{% if is_incremental() %}
delete from {{ this }} as target
where not exists (
    select 1 from {{ source_relation }} as src where src.{{ key }} = target.{{ key }}
)
{% else %}
select 1
{% endif %}
{%- endmacro %}
