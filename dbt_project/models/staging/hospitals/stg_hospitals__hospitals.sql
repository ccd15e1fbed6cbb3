with source as (
    select * from {{ source('hospitals', 'hospitals') }}
),

renamed as (
    select
        hospital_id,
        name,
        kind,
        okrug_id,
        district_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
