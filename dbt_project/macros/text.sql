{#- Text functions dbt has no cross-database macro for, one branch per target (DuckDB, PostgreSQL, Spark). -#}

{#- One row per part of `text` split at `delimiter` (SQL string literal): a set-returning expression for a
    select list. -#}
{% macro split_to_rows(text, delimiter) -%}
    {%- if target.type == 'postgres' -%}
        unnest(string_to_array({{ text }}, {{ delimiter }}))
    {%- elif target.type == 'spark' -%}
        explode(split({{ text }}, {{ delimiter }}))
    {%- else -%}
        unnest(string_split({{ text }}, {{ delimiter }}))
    {%- endif -%}
{%- endmacro %}

{#- True when a part of `text` matches the regular expression `pattern` (SQL string literal; anchor it with
    ^ and $ to match the whole text). -#}
{% macro matches_regex(text, pattern) -%}
    {%- if target.type == 'postgres' -%}
        ({{ text }} ~ {{ pattern }})
    {%- elif target.type == 'spark' -%}
        ({{ text }} rlike {{ pattern }})
    {%- else -%}
        regexp_matches({{ text }}, {{ pattern }})
    {%- endif -%}
{%- endmacro %}

{#- A list of strings as SQL string literals, for `in (...)`. -#}
{% macro quoted_list(items) -%}
    {%- for item in items -%}
        '{{ item | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}
