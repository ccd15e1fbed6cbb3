with source as (
    select * from {{ source('calendar', 'production_calendar') }}
),

renamed as (
    select
        cast(date_day as date) as date_day,
        day_kind,
        holiday_name,
        _loaded_at as loaded_at
    from source
)

select * from renamed
