with source as (
    select * from {{ source('operational', 'doctors') }}
),

renamed as (
    select
        doctor_id,
        facility_id,
        specialty_id,
        rate,
        valid_from,
        valid_to,
        _loaded_at as loaded_at
    from source
)

select * from renamed
