{#- The API reads the marts as the app role (`marketplace_app`, see api/db_roles.py): at the end of every run,
    let it read what this run built. Skipped on a database whose migrations did not create the role. -#}
{% macro grant_to_app_role(schemas) %}
{% for schema in schemas %}
do $$ begin
  if exists (select 1 from pg_roles where rolname = 'marketplace_app') then
    grant usage on schema {{ schema }} to marketplace_app;
    grant select on all tables in schema {{ schema }} to marketplace_app;
  end if;
end $$;
{% endfor %}
{% endmacro %}
