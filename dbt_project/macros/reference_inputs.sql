{#- Reference data changed since a model was last built: then the model is rebuilt whole.

    The reference inputs of a model are the raw reference snapshots, register definitions and seeds it
    reads, directly or through other models (the transaction tables, partitioned by day, are not: a run's
    window covers their changes). A snapshot is loaded whole, all its rows at one `_loaded_at` (to the
    microsecond, one per load), and loaded again only when its content changed, so its version is that
    time (a raw contract table is told by its `_file` column); the register definitions are small and
    are not loaded that way, so theirs is a hash of their content; a seed's is its file's checksum.
    After each build a model records the versions it was built from in `audit.model_inputs` (one row
    per input and build, appended); `should_full_refresh` (macros/incremental.sql) compares. -#}

{% macro audit_schema() %}{% do return('audit') %}{% endmacro %}

{#- on-run-start: the table of recorded versions (idempotent). -#}
{% macro create_model_inputs_audit() -%}
    create schema if not exists {{ audit_schema() }};
    create table if not exists {{ audit_schema() }}.model_inputs (
        model_name {{ dbt.type_string() }} not null,
        input_name {{ dbt.type_string() }} not null,
        input_version {{ dbt.type_string() }},
        built_at {{ dbt.type_timestamp() }} not null
    )
{% endmacro %}

{#- The reference sources and seeds upstream of the current model: a list of graph nodes. -#}
{% macro reference_inputs() -%}
    {%- set found = [] -%}
    {%- set queue = [model.unique_id] -%}
    {%- set seen = [] -%}
    {#- a breadth-first walk; Jinja's for-loop follows the items appended to the list it walks -#}
    {%- for unique_id in queue -%}
        {%- set parents = graph.nodes.get(unique_id, {}).get('depends_on', {}).get('nodes', []) -%}
        {%- for parent in parents if parent not in seen -%}
            {%- do seen.append(parent) -%}
            {%- if parent.startswith('source.') -%}
                {%- set source_node = graph.sources[parent] -%}
                {%- if not source_node.config.get('meta', {}).get('day_partitioned') -%}
                    {%- do found.append(source_node) -%}
                {%- endif -%}
            {%- elif parent.startswith('seed.') -%}
                {%- do found.append(graph.nodes[parent]) -%}
            {%- else -%}
                {%- do queue.append(parent) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do return(found | sort(attribute='unique_id')) -%}
{% endmacro %}

{#- SQL: one row (input_name, input_version) per reference input of the current model. -#}
{% macro reference_versions_sql(inputs) -%}
    {%- for node in inputs -%}
        {%- if node.resource_type == 'seed' -%}
            select '{{ node.unique_id }}' as input_name, '{{ node.checksum.checksum }}' as input_version
        {%- else -%}
            {%- set relation = api.Relation.create(
                database=node.database, schema=node.schema, identifier=node.identifier
            ) -%}
            {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
            select '{{ node.unique_id }}' as input_name,
            {%- if '_file' in columns %}
                (select cast(_loaded_at as {{ dbt.type_string() }}) from {{ relation }} limit 1) as input_version
            {%- else %}
                (select {{ dbt.hash(dbt.listagg('row_text', "'|'", 'order by row_text')) }}
                 from (select {{ row_text(columns | reject('equalto', '_loaded_at') | list) }} as row_text
                       from {{ relation }}) as content) as input_version
            {%- endif -%}
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor -%}
{%- endmacro %}

{#- A row as text, for a content hash. -#}
{% macro row_text(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
    {%- endfor -%}
    {{ dbt.concat(intersperse(parts, "','")) }}
{%- endmacro %}

{% macro intersperse(items, separator) -%}
    {%- set out = [] -%}
    {%- for item in items -%}
        {%- do out.append(item) -%}
        {%- if not loop.last -%}{%- do out.append(separator) -%}{%- endif -%}
    {%- endfor -%}
    {%- do return(out) -%}
{%- endmacro %}

{#- The current model's reference inputs changed since it was last built (or it never recorded them). -#}
{% macro reference_inputs_changed() -%}
    {%- if not execute -%}
        {%- do return(false) -%}
    {%- endif -%}
    {#- asked on every is_incremental() of a model's SQL: the answer is kept for the run, in the graph dbt
        shares between the nodes of a run -#}
    {%- set known = graph.setdefault('emias_reference_inputs_changed ' ~ invocation_id, {}) -%}
    {%- if model.unique_id in known -%}
        {%- do return(known[model.unique_id]) -%}
    {%- endif -%}
    {%- set inputs = reference_inputs() -%}
    {%- if not inputs -%}
        {%- do known.update({model.unique_id: false}) -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set audit = audit_schema() ~ '.model_inputs' -%}
    {%- set query -%}
        with current_versions as (
            {{ reference_versions_sql(inputs) }}
        ),

        recorded as (
            select input_name, input_version from {{ audit }}
            where
                model_name = '{{ this.identifier }}'
                and built_at = (select max(built_at) from {{ audit }} where model_name = '{{ this.identifier }}')
        )

        select count(*) from current_versions
        full outer join recorded on current_versions.input_name = recorded.input_name
        where
            current_versions.input_name is null
            or recorded.input_name is null
            or coalesce(current_versions.input_version, '') <> coalesce(recorded.input_version, '')
    {%- endset -%}
    {%- set changed = run_query(query).columns[0].values()[0] > 0 -%}
    {%- do known.update({model.unique_id: changed}) -%}
    {%- do return(changed) -%}
{% endmacro %}

{#- post-hook: record the versions of the reference inputs a model rebuilt whole was built from (a model
    that built its window's part was built from the versions it recorded). -#}
{% macro record_reference_inputs() -%}
    {%- if execute and model.resource_type == 'model' and config.get('materialized') == 'incremental'
        and not is_incremental() -%}
        {%- set inputs = reference_inputs() -%}
        {%- if inputs -%}
            insert into {{ audit_schema() }}.model_inputs (model_name, input_name, input_version, built_at)
            select '{{ this.identifier }}', input_name, input_version, {{ run_started() }}
            from ({{ reference_versions_sql(inputs) }}) as current_versions
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
