{#- One row per day 2024-2027 (the span of the holiday seed): calendar attributes and the working-day flag. -#}
with spine as (
    {{ dbt.date_spine('day', "cast('2024-01-01' as date)", "cast('2028-01-01' as date)") }}
),

holidays as (
    select * from {{ ref('public_holidays') }}
),

days as (
    select
        cast(spine.date_day as date) as date_day,
        holidays.holiday_name
    from spine
    left join holidays on cast(spine.date_day as date) = holidays.holiday_date
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
        holiday_name,
        holiday_name is not null as is_public_holiday
    from days
),

final as (
    select
        *,
        -- Saturday and Sunday are days off, and so are the public holidays and their transferred days
        iso_weekday < 6 and not is_public_holiday as is_working_day,
        -- a running count of working days: the working days between two dates is a difference of two
        -- numbers, not a join over the calendar
        sum(case when iso_weekday < 6 and not is_public_holiday then 1 else 0 end)
            over (order by date_day rows between unbounded preceding and current row) as working_day_number,
        {{ audit_columns() }}
    from attributes
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
