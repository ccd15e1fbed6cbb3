with source as (
    select * from {{ source('operational', 'specialties') }}
),

renamed as (
    select
        specialty_id,
        name_en,
        name_ru,
        minutes_norm,
        wait_standard,
        wait_standard_unit,
        is_primary_care,
        _loaded_at as loaded_at
    from source
)

select * from renamed
