{#- The checks of a run with a window read what the run can have changed, so a day's run costs a day's work;
    a run without a window (a full build) checks every row.

    Generic tests (unique, not_null, relationships...) filter the tested model through dbt's
    `get_where_subquery`, taught here:
    - a table of the project (or a view passing its `_built_at` on) reads the rows this run wrote
      (macros/audit.sql): all of them when the run rebuilt it whole, none when it had nothing to do;
    - a view names the date column of what a window changes in `meta: {test_window: {column: ...,
      lookback_days: N}}` (the staging views of the transactions: their day); a staging view of a reference
      snapshot says `test_window: {full_builds_only: true}`: a changed snapshot rebuilds the dimensions on
      it whole, and their checks then read every row;
    - anything else (small views, seeds) is checked whole.
    The singular checks call `changed_in_window` themselves, with a lookback where a check pairs a row
    with older ones. A rare clash between a new row and an untouched old one (a duplicate key across days)
    is left to the full build. -#}

{% macro changed_in_window(column, lookback_days=0) -%}
    {%- if window_is_empty() -%}
        (1 = 0)
    {%- elif window_start() != '' -%}
        ({{ column }} >= {{ days_before_window(lookback_days) }})
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- The rows of a tested model that a run with a window checks, as a SQL predicate (none: every row). -#}
{% macro rows_to_check(tested) -%}
    {%- if window_start() == '' or tested is none or tested.resource_type != 'model' -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set test_window = tested.config.meta.get('test_window') -%}
    {%- if tested.config.materialized in ('table', 'incremental') or '_built_at' in tested.columns -%}
        {%- do return('_built_at = ' ~ run_started()) -%}
    {%- elif test_window and test_window.get('full_builds_only') -%}
        {%- do return('1 = 0') -%}
    {%- elif test_window -%}
        {%- do return(changed_in_window(test_window.column, test_window.get('lookback_days', 0))) -%}
    {%- endif -%}
    {%- do return(none) -%}
{%- endmacro %}

{#- dbt's own macro (the `where` config of a test), taught the rows of the tested model to check. -#}
{% macro get_where_subquery(relation) -%}
    {%- set clauses = [] -%}
    {%- if config.get('where') -%}
        {%- do clauses.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- set checked = rows_to_check(tested) -%}
    {%- if checked -%}
        {%- do clauses.append('(' ~ checked ~ ')') -%}
    {%- endif -%}
    {%- if clauses -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ clauses | join(' and ') ~ ') as dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
