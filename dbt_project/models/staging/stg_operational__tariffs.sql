with source as (
    select * from {{ source('operational', 'tariffs') }}
),

renamed as (
    select
        year,
        funding_source,
        visit_type,
        tariff_rub,
        _loaded_at as loaded_at
    from source
)

select * from renamed
