{% macro round_half_even(expr) -%}
{#- Round a numeric expression to a whole minor unit, half to even (as `api.money.apply_rate`). -#}
(case
    when abs(({{ expr }}) - trunc({{ expr }})) = 0.5 then 2 * round(({{ expr }}) / 2)
    else round({{ expr }})
end)::bigint
{%- endmacro %}
