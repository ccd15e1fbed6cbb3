{#- Source table x reason: the rows quarantined for breaking the export contract. -#}
with quarantine as (
    select * from {{ ref('stg_load_metadata__quarantine') }}
),

final as (
    select
        table_name,
        reason,
        count(*) as quarantined_rows,
        count(distinct partition_date) as partitions,
        min(partition_date) as first_partition_date,
        max(partition_date) as last_partition_date,
        max(loaded_at) as last_loaded_at,
        {{ audit_columns() }}
    from quarantine
    group by table_name, reason
)

select * from final
