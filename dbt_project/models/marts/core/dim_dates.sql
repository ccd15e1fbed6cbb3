{#- One row per day of the production calendar (every year the data spans and the next): calendar attributes
    and Russia's working days, transferred days off and working Saturdays included. -#}
with calendar as (
    select * from {{ ref('stg_calendar__production_calendar') }}
),

attributes as (
    select
        date_day,
        cast(extract(isodow from date_day) as integer) as iso_weekday,
        cast(extract(isoyear from date_day) as integer) as iso_year,
        cast(extract(week from date_day) as integer) as iso_week,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast(extract(month from date_day) as integer) as month_of_year,
        cast(extract(quarter from date_day) as integer) as quarter_of_year,
        cast(extract(year from date_day) as integer) as calendar_year,
        day_kind,
        holiday_name,
        day_kind = 'holiday' as is_public_holiday,
        day_kind = 'working' as is_working_day
    from calendar
),

final as (
    select
        *,
        -- a running count of working days: the working days between two dates is a difference of two
        -- numbers, not a join over the calendar
        sum(case when is_working_day then 1 else 0 end)
            over (order by date_day rows between unbounded preceding and current row) as working_day_number,
        {{ audit_columns() }}
    from attributes
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
