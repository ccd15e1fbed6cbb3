{#- Source table x column x rule (a check, as OHDSI's Data Quality Dashboard counts them): the rows it
    quarantined in the warehouse's latest loaded week, in the week before and in all, and their share of
    the rows exported.

    The latest loaded week is the ISO week (Monday to Sunday) of the latest day partition loaded; with
    none, of the latest load of a reference snapshot. A row counts in the week of its `caught_on` day
    (int_quarantine_reasons_split); rows exported count in the week of their partition the same way.
    The rules are those the reasons name, so a rule added to the contract shows once it catches a row;
    its label and description come from the seed contract_rules (the rule's own name where it has no
    row there). -#}
with breaks as (
    select * from {{ ref('int_quarantine_reasons_split') }}
),

partitions as (
    select * from {{ ref('mart_load_reconciliation') }}
),

rules as (
    select * from {{ ref('contract_rules') }}
),

exported as (
    select
        table_name,
        coalesce(partition_date, cast(loaded_at as date)) as exported_on,
        landing_rows
    from partitions
),

latest_day as (
    select coalesce(max(partition_date), max(cast(loaded_at as date))) as latest_partition_date
    from partitions
),

latest_week as (
    select
        latest_partition_date,
        cast({{ dbt.date_trunc('week', 'latest_partition_date') }} as date) as week_start
    from latest_day
),

weeks as (
    select
        latest_partition_date,
        week_start,
        cast({{ dbt.dateadd('day', 7, 'week_start') }} as date) as next_week_start,
        cast({{ dbt.dateadd('day', -7, 'week_start') }} as date) as previous_week_start
    from latest_week
),

exported_by_table as (
    select
        exported.table_name,
        sum(
            case
                when exported.exported_on >= weeks.week_start and exported.exported_on < weeks.next_week_start
                    then exported.landing_rows
                else 0
            end
        ) as exported_rows_this_week,
        sum(exported.landing_rows) as exported_rows
    from exported
    cross join weeks
    group by exported.table_name
),

checks as (
    select
        breaks.table_name,
        breaks.column_name,
        breaks.rule_name,
        sum(
            case
                when breaks.caught_on >= weeks.week_start and breaks.caught_on < weeks.next_week_start then 1
                else 0
            end
        ) as rows_this_week,
        sum(
            case
                when breaks.caught_on >= weeks.previous_week_start and breaks.caught_on < weeks.week_start then 1
                else 0
            end
        ) as rows_previous_week,
        count(*) as quarantined_rows,
        count(distinct breaks.partition_date)
        + max(case when breaks.partition_date is null then 1 else 0 end) as partitions,
        min(breaks.partition_date) as first_partition_date,
        max(breaks.partition_date) as last_partition_date,
        max(breaks.loaded_at) as last_loaded_at
    from breaks
    cross join weeks
    group by breaks.table_name, breaks.column_name, breaks.rule_name
),

final as (
    select
        checks.table_name,
        checks.column_name,
        checks.rule_name,
        coalesce(rules.rule_label, checks.rule_name) as rule_label,
        rules.rule_description,
        weeks.week_start,
        weeks.latest_partition_date,
        checks.rows_this_week,
        checks.rows_previous_week,
        checks.quarantined_rows,
        coalesce(exported_by_table.exported_rows_this_week, 0) as exported_rows_this_week,
        coalesce(exported_by_table.exported_rows, 0) as exported_rows,
        {{ safe_ratio('checks.rows_this_week', 'exported_by_table.exported_rows_this_week') }}
            as quarantined_share_this_week,
        {{ safe_ratio('checks.quarantined_rows', 'exported_by_table.exported_rows') }} as quarantined_share,
        checks.partitions,
        checks.first_partition_date,
        checks.last_partition_date,
        checks.last_loaded_at,
        {{ audit_columns() }}
    from checks
    cross join weeks
    left join exported_by_table on checks.table_name = exported_by_table.table_name
    left join rules on checks.rule_name = rules.rule_name
)

select * from final
