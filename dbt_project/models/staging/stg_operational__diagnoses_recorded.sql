with source as (
    select * from {{ source('operational', 'diagnosis_recorded') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        encounter_id,
        patient_id,
        icd10_code,
        is_primary,
        diagnosis_kind,
        dispensary_action,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
