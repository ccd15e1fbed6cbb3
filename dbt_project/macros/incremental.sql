{#- How a run builds a table: whole, or only the part its window of days can have changed.

    Dagster passes the days of a run in the environment: EMIAS_WINDOW_START <= day < EMIAS_WINDOW_END (ISO
    dates); no window means every day, and an empty one (start = end) no day: a run for a changed reference
    snapshot alone rebuilds the models on it and nothing else. Environment variables rather than --vars: a change of vars makes dbt
    parse the whole project again, a change of these does not.

    Every table of the project is an incremental model, and `should_full_refresh` (below) decides per model
    and run whether it is rebuilt whole, exactly as a first build would build it:
    - on a first build and with --full-refresh (dbt's own rules);
    - on a run without a window (a full build);
    - when one of its reference inputs changed since it was last built (macros/reference_inputs.sql).
    Otherwise `is_incremental()` is true and the model builds the part of its rows that the window's days
    can have changed, which its `meta.rebuilds` declares (see `rebuilt_rows`); a model built from reference
    data alone declares nothing and writes nothing. The strategy then replaces that part (one macro per
    target, at the end of this file). -#}

{% macro window_start() -%}
    {% do return(env_var('EMIAS_WINDOW_START', '')) %}
{% endmacro %}

{% macro window_end() -%}
    {% do return(env_var('EMIAS_WINDOW_END', '')) %}
{% endmacro %}

{#- dbt's own macro (is_incremental() asks it), taught when a model must be rebuilt whole. -#}
{% macro should_full_refresh() -%}
    {%- set requested = config.get('full_refresh') -%}
    {%- if requested is none -%}
        {%- set requested = flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- if requested or model.resource_type != 'model' or config.get('materialized') != 'incremental' -%}
        {%- do return(requested) -%}
    {%- endif -%}
    {%- do return(window_start() == '' or reference_inputs_changed()) -%}
{% endmacro %}

{#- A window that holds no day (start = end). -#}
{% macro window_is_empty() -%}
    {% do return(window_start() != '' and window_start() == window_end()) %}
{%- endmacro %}

{% macro in_window(date_column) -%}
    {%- if is_incremental() -%}
        ({{ date_column }} >= cast('{{ window_start() }}' as date)
        and {{ date_column }} < cast('{{ window_end() }}' as date))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- On or after the window's first day less `lookback_days`, taken to the start of its week or month when
    the column holds weeks or months: the partitions a day's events can reach forward in time. -#}
{% macro from_window(date_column, lookback_days=0, grain='day') -%}
    {%- if is_incremental() and window_is_empty() -%}
        (1 = 0)
    {%- elif is_incremental() -%}
        ({{ date_column }} >= {{ first_day_from_window(lookback_days, grain) }})
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{% macro first_day_from_window(lookback_days, grain) -%}
    {%- if grain == 'day' -%}
        {{ days_before_window(lookback_days) }}
    {%- else -%}
        cast({{ dbt.date_trunc(grain, days_before_window(lookback_days)) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- The rows of this model that a run with a window rebuilds, as declared in its config:
        meta: {rebuilds: {in_window: [day columns], from_window: {column:, lookback_days:, grain:},
                          within: {column:, lookback_days:}}}
    a row is rebuilt when any of its `in_window` days lies in the window, or its `from_window` column is on
    or after the window's start (less the lookback); `within` says on or after which day every row a run
    can rebuild lies, which lets the scans of a large table skip its history. Without a declaration, none
    (a model built from reference data alone; on a whole build, every row). The model's SQL computes these
    rows again; the strategy deletes them, and the rows of the keys it computed (`also`), and inserts what
    the SQL returned, so a row the window no longer yields is taken back. -#}
{% macro rebuilt_rows(also=none) -%}
    {%- if not is_incremental() -%}
        {%- do return('(1 = 1)') -%}
    {%- endif -%}
    {%- set rebuilds = config.get('meta', {}).get('rebuilds', {}) -%}
    {%- set clauses = [] -%}
    {%- for column in rebuilds.get('in_window', []) -%}
        {%- do clauses.append(in_window(column)) -%}
    {%- endfor -%}
    {%- set reach = rebuilds.get('from_window') -%}
    {%- if reach -%}
        {%- do clauses.append(from_window(reach.column, reach.get('lookback_days', 0), reach.get('grain', 'day'))) -%}
    {%- endif -%}
    {%- if also -%}
        {%- do clauses.append(also) -%}
    {%- endif -%}
    {%- set rebuilt = '(' ~ (clauses | join(' or ') if clauses else '1 = 0') ~ ')' -%}
    {%- set within = rebuilds.get('within') -%}
    {%- if within -%}
        {%- set rebuilt = '(' ~ from_window(within.column, within.get('lookback_days', 0)) ~ ' and ' ~ rebuilt ~ ')' -%}
    {%- endif -%}
    {{- rebuilt -}}
{%- endmacro %}

{#- A value kept from the row already in the table: only when the event behind it lies outside the
    window (a re-run of a day must be able to take back that day's events). -#}
{% macro kept_outside_window(value, at_column) -%}
    case when not {{ in_window('cast(' ~ at_column ~ ' as date)') }} then {{ value }} end
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

{#- The strategy, chosen once per target (never in a model): delete the rows the run rebuilds (those
    whose key is among the new rows, and those its `meta.rebuilds` declares: a row the window no longer
    yields is taken back), then insert the new rows, in the model's transaction. Models set no
    incremental_strategy of their own, so dbt asks the adapter for its default, overridden here for
    DuckDB and PostgreSQL. A Spark target gets its own `spark__get_incremental_default_sql` (insert_overwrite
    of the rebuilt day partitions). -#}
{% macro duckdb__get_incremental_default_sql(arg_dict) -%}
    {% do return(replace_rebuilt_rows(arg_dict)) %}
{% endmacro %}

{% macro postgres__get_incremental_default_sql(arg_dict) -%}
    {% do return(replace_rebuilt_rows(arg_dict)) %}
{% endmacro %}

{% macro replace_rebuilt_rows(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set keys = [unique_key] if unique_key is string else (unique_key or []) -%}
    {%- set matches = [] -%}
    {%- for key in keys -%}
        {%- do matches.append('new_rows.' ~ key ~ ' = old_rows.' ~ key) -%}
    {%- endfor -%}
    {%- set new_keys = 'exists (select 1 from ' ~ source ~ ' as new_rows where ' ~ matches | join(' and ') ~ ')' -%}
    delete from {{ target }} as old_rows
    where {{ rebuilt_rows(also=new_keys if keys else none) }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
