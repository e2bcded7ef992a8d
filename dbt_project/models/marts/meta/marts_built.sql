-- One row: when this dbt invocation built the marts. The pages print it as "data as of".
select
    '{{ run_started_at.isoformat() }}'::timestamptz as built_at,
    '{{ invocation_id }}' as invocation_id
