{#- The checks of the daily facts read what a run can have changed, so a day's run costs a day's work.

    On a run with a window (Dagster's day partitions pass EMIAS_WINDOW_START/END, macros/incremental.sql)
    a check reads only the rows whose date column lies on or after the window's start, less a lookback;
    a run without a window (a full build, `dbt build` by hand) checks every row. A model says which of its
    columns that is in `meta: {test_window: {column: ..., lookback_days: N}}`; the generic tests on it
    (unique, not_null, relationships...) then apply it through get_where_subquery, and the singular checks
    call changed_in_window themselves. The rows are those a re-run of the window's days can rewrite, so a
    wrong row written by this run is always in view; a rare clash between a new row and an untouched
    old one (a duplicate key across days) is left to the full build. -#}

{% macro changed_in_window(column, lookback_days=0) -%}
    {%- if window_start() != '' -%}
        ({{ column }} >= {{ days_before_window(lookback_days) }})
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- dbt's own macro (the `where` config of a test), taught the window of the tested model. -#}
{% macro get_where_subquery(relation) -%}
    {%- set clauses = [] -%}
    {%- if config.get('where') -%}
        {%- do clauses.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- set test_window = tested.config.meta.get('test_window') if tested else none -%}
    {%- if test_window and window_start() != '' -%}
        {%- do clauses.append(changed_in_window(test_window.column, test_window.get('lookback_days', 0))) -%}
    {%- endif -%}
    {%- if clauses -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ clauses | join(' and ') ~ ') as dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
