with source as (
    select * from {{ source('operational', 'referral_issued') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        referral_id,
        encounter_id,
        patient_id,
        to_specialty_id,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
