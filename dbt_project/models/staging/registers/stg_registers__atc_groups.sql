with source as (
    select * from {{ source('registers', 'register_atc_groups') }}
),

renamed as (
    select
        register_code,
        atc_prefix,
        _loaded_at as loaded_at
    from source
)

select * from renamed
