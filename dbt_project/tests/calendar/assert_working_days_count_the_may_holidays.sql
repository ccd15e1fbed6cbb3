{#- The calendar itself: from Wednesday 30 April 2025, with 1-2 and 8-9 May off, Monday 26 May is the
    14th working day (and Monday 12 May the 4th). Returns the pair of days when the count is wrong. -#}
with dates as (
    select * from {{ ref('dim_dates') }}
),

pairs as (
    select
        booked.date_day as booked_date,
        slot.date_day as slot_date,
        slot.working_day_number - booked.working_day_number as working_days
    from dates as booked
    inner join dates as slot on booked.date_day = cast('2025-04-30' as date)
    where slot.date_day in (cast('2025-05-12' as date), cast('2025-05-26' as date))
)

select * from pairs
where
    (slot_date = cast('2025-05-12' as date) and working_days <> 4)
    or (slot_date = cast('2025-05-26' as date) and working_days <> 14)
