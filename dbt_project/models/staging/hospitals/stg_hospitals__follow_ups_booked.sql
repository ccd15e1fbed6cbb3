with source as (
    select * from {{ source('hospitals', 'follow_up_booked') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        stay_id,
        appointment_id,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
