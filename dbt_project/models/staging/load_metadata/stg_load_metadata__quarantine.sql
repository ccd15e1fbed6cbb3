with source as (
    select * from {{ source('load_metadata', 'raw_quarantine') }}
),

renamed as (
    select
        table_name,
        partition_date,
        source_file,
        row_number,
        reason,
        row_json,
        _load_id as load_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
