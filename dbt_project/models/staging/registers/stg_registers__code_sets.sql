with source as (
    select * from {{ source('registers', 'register_code_sets') }}
),

renamed as (
    select
        register_code,
        icd10_category,
        _loaded_at as loaded_at
    from source
)

select * from renamed
