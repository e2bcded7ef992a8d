{% macro round_half_even(expr) -%}
{#- Round a numeric expression to a whole minor unit, half to even. The definition is `api.money`
    (`ROUNDING`, `apply_rate`, `prorate`); this SQL is its copy for the marts, checked against it over
    thousands of generated values (exact halves, both signs) by tests/analytics/test_rounding.py. -#}
(case
    when abs(({{ expr }}) - trunc({{ expr }})) = 0.5 then 2 * round(({{ expr }}) / 2)
    else round({{ expr }})
end)::bigint
{%- endmacro %}
