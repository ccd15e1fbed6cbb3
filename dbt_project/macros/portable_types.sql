{#- An 8-byte float on every target (dbt.type_float() is 4 bytes on DuckDB). -#}
{% macro type_double() -%}
    {%- if target.type == 'postgres' -%}double precision{%- else -%}double{%- endif -%}
{%- endmacro %}

{#- A share as an 8-byte float, null when the denominator is zero. -#}
{% macro safe_ratio(numerator, denominator) -%}
    case when {{ denominator }} > 0 then cast({{ numerator }} as {{ type_double() }}) / {{ denominator }} end
{%- endmacro %}
