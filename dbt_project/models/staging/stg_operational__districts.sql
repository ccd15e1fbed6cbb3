with source as (
    select * from {{ source('operational', 'districts') }}
),

renamed as (
    select
        district_id,
        okrug_id,
        name,
        _loaded_at as loaded_at
    from source
)

select * from renamed
