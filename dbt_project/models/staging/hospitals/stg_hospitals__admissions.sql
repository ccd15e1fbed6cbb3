with source as (
    select * from {{ source('hospitals', 'hospital_admitted') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        stay_id,
        patient_id,
        hospital_id,
        department_id,
        admission_type,
        admission_source,
        referral_id,
        primary_icd10,
        attached_facility_id,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
