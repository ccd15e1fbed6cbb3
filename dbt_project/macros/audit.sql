{#- The audit column every table of the project carries (as Tuva's models do): `_built_at`, when the dbt
    run that wrote the row started (dbt's run_started_at, UTC). It names the run, so a reader can tell a
    stale row, a windowed check reads the rows its run wrote (macros/test_window.sql), and a model finds
    the rows of its inputs rewritten since it was last built. -#}

{#- The start of this dbt run as a SQL timestamp. -#}
{% macro run_started() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The audit column, for a model's final select list. -#}
{% macro audit_columns() -%}
    {{ run_started() }} as _built_at
{%- endmacro %}

{#- The rows of an input of the current model written since the current model was last built (every row
    on a whole build). -#}
{% macro built_since_this() -%}
    {%- if is_incremental() -%}
        (_built_at > coalesce((select max(_built_at) from {{ this }}), cast('1900-01-01' as {{ dbt.type_timestamp() }})))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- The rows of a table this run wrote, for a singular check: on a run with a window, those it rewrote;
    on a full build, every row. -#}
{% macro written_this_run() -%}
    {%- if window_start() != '' -%}
        (_built_at = {{ run_started() }})
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}
