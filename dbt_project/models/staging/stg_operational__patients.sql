with source as (
    select * from {{ source('operational', 'patients') }}
),

renamed as (
    select
        patient_id,
        sex,
        birth_month,
        district_id,
        attached_facility_id,
        insurance,
        death_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
