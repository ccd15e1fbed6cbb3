with source as (
    select * from {{ source('operational', 'appointment_cancelled') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        appointment_id,
        cancelled_by,
        reason,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
