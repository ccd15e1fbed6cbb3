{#- Source table: the last loaded partition, when, and the reconciled row totals. -#}
with partitions as (
    select * from {{ ref('mart_load_reconciliation') }}
),

final as (
    select
        table_name,
        max(partition_date) is null as is_snapshot,
        min(partition_date) as first_partition_date,
        max(partition_date) as last_partition_date,
        count(*) as partitions,
        max(loaded_at) as last_loaded_at,
        sum(landing_rows) as landing_rows,
        sum(loaded_rows) as loaded_rows,
        sum(quarantined_rows) as quarantined_rows,
        sum(case when is_reconciled then 0 else 1 end) as unreconciled_partitions,
        {{ audit_columns() }}
    from partitions
    group by table_name
)

select * from final
