with source as (
    select * from {{ source('hospitals', 'patient_transferred') }}
),

renamed as (
    select
        event_id,
        occurred_at,
        stay_id,
        from_department_id,
        to_department_id,
        _partition_date as partition_date,
        _loaded_at as loaded_at
    from source
)

select * from renamed
