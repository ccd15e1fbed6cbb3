{#- How the daily facts and marts re-run a day, chosen once per target (never in a model).

    Models tagged `daily` are incremental with a unique_key and no incremental_strategy of their own, so
    dbt asks the adapter for its default strategy: these overrides make it delete+insert on DuckDB and
    PostgreSQL (the rows of the re-built keys are deleted, then inserted again). A Spark target would get
    its own `spark__get_incremental_default_sql` here (insert_overwrite with partition_by). -#}
{% macro duckdb__get_incremental_default_sql(arg_dict) %}
    {% do return(get_incremental_delete_insert_sql(arg_dict)) %}
{% endmacro %}

{% macro postgres__get_incremental_default_sql(arg_dict) %}
    {% do return(get_incremental_delete_insert_sql(arg_dict)) %}
{% endmacro %}

{#- The days an incremental run covers, passed by Dagster in the environment:
    EMIAS_WINDOW_START <= day < EMIAS_WINDOW_END (ISO dates). Without them, or on a first (full) build,
    every day is in the window. Environment variables rather than --vars: a change of vars makes dbt
    parse the whole project again, a change of these does not. -#}
{% macro window_start() %}
    {% do return(env_var('EMIAS_WINDOW_START', '')) %}
{% endmacro %}

{% macro window_end() %}
    {% do return(env_var('EMIAS_WINDOW_END', '')) %}
{% endmacro %}

{% macro has_window() %}
    {% do return(is_incremental() and window_start() != '') %}
{% endmacro %}

{% macro in_window(date_column) -%}
    {%- if has_window() -%}
        ({{ date_column }} >= cast('{{ window_start() }}' as date)
        and {{ date_column }} < cast('{{ window_end() }}' as date))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- A value kept from the row already in the table: only when the event behind it lies outside the
    window (a re-run of a day must be able to take back that day's events). -#}
{% macro kept_outside_window(value, at_column) -%}
    case when not {{ in_window('cast(' ~ at_column ~ ' as date)') }} then {{ value }} end
{%- endmacro %}

{#- The first day a stateful fact may need to look back to for an event's slot or booking. -#}
{% macro window_lookback(days) -%}
    {%- if has_window() -%}
        {{ days_before_window(days) }}
    {%- else -%}
        cast('1900-01-01' as date)
    {%- endif -%}
{%- endmacro %}

{#- A column of a stateful fact: the window's event, else (on an incremental run) the value already in
    the table when its event lies outside the window. -#}
{% macro carried(new_value, kept_value, kept_at) -%}
    {%- if is_incremental() -%}
        coalesce({{ new_value }}, {{ kept_outside_window(kept_value, kept_at) }})
    {%- else -%}
        {{ new_value }}
    {%- endif -%}
{%- endmacro %}

{#- The day `days` before the window's first day (SQL). -#}
{% macro days_before_window(days) -%}
    {{ dbt.dateadd('day', -days, "cast('" ~ window_start() ~ "' as date)") }}
{%- endmacro %}
