{#- Quarantined row x rule it broke: the row's reason parsed into the column, the rule and what was wrong.

    The ingest writes each reason as `<column>: <rule>: <what is wrong>` and joins a row's reasons with
    '; ' (services/contract/rules.py). A part that does not start `<column>: <rule>: ` is the rest of a
    value that itself held '; ': it is left out, and the reason before it keeps its rule (its text ends
    at the '; '). `caught_on` is the day a row counts in: its partition's day, or for a reference
    snapshot the day its load ran. -#}
with quarantine as (
    select * from {{ ref('stg_load_metadata__quarantine') }}
),

reasons as (
    select
        table_name,
        partition_date,
        source_file,
        row_number,
        load_id,
        loaded_at,
        {{ split_to_rows('reason', "'; '") }} as reason
    from quarantine
),

parsed as (
    select
        reasons.*,
        {{ dbt.split_part('reason', "': '", 1) }} as column_name,
        {{ dbt.split_part('reason', "': '", 2) }} as rule_name
    from reasons
    -- a column named in a file may be any text (an extra column's name comes from the producer)
    where {{ matches_regex('reason', "'^[^:;]+: [A-Za-z0-9]+: '") }}
),

final as (
    select
        table_name,
        partition_date,
        coalesce(partition_date, cast(loaded_at as date)) as caught_on,
        source_file,
        row_number,
        column_name,
        rule_name,
        substr(reason, length(column_name) + length(rule_name) + 5) as message,
        load_id,
        loaded_at
    from parsed
)

select * from final
