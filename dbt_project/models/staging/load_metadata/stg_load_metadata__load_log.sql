with source as (
    select * from {{ source('load_metadata', 'raw_load_log') }}
),

renamed as (
    select
        table_name,
        partition_date,
        source_files,
        landing_rows,
        loaded_rows,
        quarantined_rows,
        _load_id as load_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
