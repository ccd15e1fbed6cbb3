{#- Source table x column x rule: the first rows the check quarantined, for a reader to look at - the
    latest day it caught rows first, then in file and row order - with where each row is (day, file,
    row number) and what was wrong with it.

    Meant for a page: no example shows a patient's identifier, pseudonymous or not (docs/DESIGN.md,
    "Privacy"); the wording of a rule broken by a column of the var `patient_identifier_columns` is
    withheld, since it quotes the value. The whole row stays in raw.raw_quarantine for those who may
    read it. -#}
with breaks as (
    select * from {{ ref('int_quarantine_reasons_split') }}
),

days as (
    select distinct
        table_name,
        column_name,
        rule_name,
        caught_on
    from breaks
),

-- the examples lie on a check's latest days, one row at least a day: only those days' rows are ranked
numbered_days as (
    select
        table_name,
        column_name,
        rule_name,
        caught_on,
        row_number() over (partition by table_name, column_name, rule_name order by caught_on desc) as day_number
    from days
),

latest_days as (
    select * from numbered_days
    where day_number <= {{ var('quality_examples_per_check') }}
),

ranked as (
    select
        breaks.table_name,
        breaks.column_name,
        breaks.rule_name,
        breaks.partition_date,
        breaks.caught_on,
        breaks.source_file,
        breaks.row_number,
        breaks.message,
        row_number() over (
            partition by breaks.table_name, breaks.column_name, breaks.rule_name
            order by breaks.caught_on desc, breaks.source_file asc, breaks.row_number asc
        ) as example_number
    from breaks
    inner join latest_days
        on
            breaks.table_name = latest_days.table_name
            and breaks.column_name = latest_days.column_name
            and breaks.rule_name = latest_days.rule_name
            and breaks.caught_on = latest_days.caught_on
),

final as (
    select
        table_name,
        column_name,
        rule_name,
        example_number,
        partition_date,
        caught_on,
        source_file,
        regexp_replace(source_file, '^.*/', '') as file_name,
        row_number,
        case
            when column_name in ({{ quoted_list(var('patient_identifier_columns')) }})
                then '[withheld: the value would identify a patient]'
            else message
        end as message,
        {{ audit_columns() }}
    from ranked
    where example_number <= {{ var('quality_examples_per_check') }}
)

select * from final
