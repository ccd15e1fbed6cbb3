with source as (
    select * from {{ source('operational', 'facilities') }}
),

renamed as (
    select
        facility_id,
        name,
        kind,
        parent_facility_id,
        okrug_id,
        district_id,
        _loaded_at as loaded_at
    from source
)

select * from renamed
