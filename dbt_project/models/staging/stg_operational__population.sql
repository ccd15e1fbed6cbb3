with source as (
    select * from {{ source('operational', 'population') }}
),

renamed as (
    select
        year,
        district_id,
        sex,
        age_band,
        population,
        _loaded_at as loaded_at
    from source
)

select * from renamed
