with source as (
    select * from {{ source('operational', 'appointment_no_show') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        appointment_id,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
