{#- Source table x partition: the latest load of each partition and whether its counts reconcile. -#}
with load_log as (
    select * from {{ ref('stg_load_metadata__load_log') }}
),

ranked as (
    select
        table_name,
        partition_date,
        coalesce(cast(partition_date as {{ dbt.type_string() }}), 'snapshot') as partition_key,
        landing_rows,
        loaded_rows,
        quarantined_rows,
        load_id,
        loaded_at,
        row_number() over (
            partition by table_name, partition_date
            order by loaded_at desc, load_id desc
        ) as load_rank
    from load_log
),

final as (
    select
        table_name,
        partition_date,
        partition_key,
        landing_rows,
        loaded_rows,
        quarantined_rows,
        landing_rows = loaded_rows + quarantined_rows as is_reconciled,
        load_id,
        loaded_at,
        {{ audit_columns() }}
    from ranked
    where load_rank = 1
)

select * from final
