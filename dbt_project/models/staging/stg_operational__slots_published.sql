with source as (
    select * from {{ source('operational', 'slot_published') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        slot_id,
        doctor_id,
        facility_id,
        specialty_id,
        starts_at,
        duration_min,
        is_urgent_reserve,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
