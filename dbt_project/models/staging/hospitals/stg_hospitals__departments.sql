with source as (
    select * from {{ source('hospitals', 'hospital_departments') }}
),

renamed as (
    select
        department_id,
        hospital_id,
        name,
        bed_profile,
        beds,
        valid_from,
        valid_to,
        _loaded_at as loaded_at
    from source
)

select * from renamed
