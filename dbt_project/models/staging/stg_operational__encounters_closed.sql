with source as (
    select * from {{ source('operational', 'encounter_closed') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        encounter_id,
        appointment_id,
        patient_id,
        doctor_id,
        facility_id,
        specialty_id,
        visit_type,
        funding_source,
        is_walk_in,
        minutes,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
