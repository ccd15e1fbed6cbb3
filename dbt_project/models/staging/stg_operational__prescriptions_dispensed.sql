with source as (
    select * from {{ source('operational', 'prescription_dispensed') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        prescription_id,
        pharmacy_id,
        quantity,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
