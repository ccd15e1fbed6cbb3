with source as (
    select * from {{ source('operational', 'prescription_issued') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        prescription_id,
        encounter_id,
        patient_id,
        doctor_id,
        atc_code,
        quantity,
        days_supply,
        benefit_category,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
