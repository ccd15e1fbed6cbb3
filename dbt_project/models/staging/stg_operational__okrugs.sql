with source as (
    select * from {{ source('operational', 'okrugs') }}
),

renamed as (
    select
        okrug_id,
        name_en,
        name_ru,
        _loaded_at as loaded_at
    from source
)

select * from renamed
