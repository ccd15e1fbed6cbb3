with source as (
    select * from {{ source('operational', 'appointment_booked') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        appointment_id,
        slot_id,
        patient_id,
        channel,
        referral_id,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
