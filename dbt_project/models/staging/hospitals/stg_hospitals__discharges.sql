with source as (
    select * from {{ source('hospitals', 'hospital_discharged') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        stay_id,
        discharge_outcome,
        primary_icd10,
        secondary_icd10,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
