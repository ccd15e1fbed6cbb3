{#- Facility x specialty x ISO week x weekday x hour: slots offered and booked, visits closed and their
    minutes. Readers sum over weeks for the usual weekday x hour heat map of a period.
    Incremental: a run re-aggregates the weeks its window changed. -#}
{{ config(materialized='incremental', unique_key='week_start', tags=['daily']) }}

with slots as (
    select * from {{ ref('fct_slots') }}
),

appointments as (
    select * from {{ ref('fct_appointments') }}
),

encounters as (
    select * from {{ ref('fct_encounters') }}
),

changed_weeks as ( -- noqa: ST03
    select slot_week_start as week_start from slots
    where {{ in_window('published_date') }}
    union
    -- a booking or a cancellation changes whether a slot is booked
    select slot_week_start as week_start from appointments
    where {{ in_window('booked_date') }} or {{ in_window('cast(cancelled_at as date)') }}
    union
    select encounter_week_start as week_start from encounters
    where {{ in_window('encounter_date') }}
),

offered as (
    select
        facility_id,
        specialty_id,
        slot_week_start as week_start,
        cast(extract(isodow from slot_date) as integer) as iso_weekday,
        slot_hour as hour_of_day,
        count(*) as slots_offered,
        cast(sum(case when is_booked then 1 else 0 end) as {{ dbt.type_bigint() }}) as slots_booked
    from slots
    {%- if has_window() %}
        where slot_week_start in (select changed_weeks.week_start from changed_weeks)
    {%- endif %}
    group by 1, 2, 3, 4, 5
),

visits as (
    select
        facility_id,
        specialty_id,
        encounter_week_start as week_start,
        cast(extract(isodow from encounter_date) as integer) as iso_weekday,
        closed_hour as hour_of_day,
        count(*) as encounters,
        sum(minutes) as minutes_used
    from encounters
    {%- if has_window() %}
        where encounter_week_start in (select changed_weeks.week_start from changed_weeks)
    {%- endif %}
    group by 1, 2, 3, 4, 5
),

units as (
    select
        facility_id,
        specialty_id,
        week_start,
        iso_weekday,
        hour_of_day
    from offered
    union
    select
        facility_id,
        specialty_id,
        week_start,
        iso_weekday,
        hour_of_day
    from visits
),

final as (
    select
        units.facility_id,
        units.specialty_id,
        units.week_start,
        units.iso_weekday,
        units.hour_of_day,
        coalesce(offered.slots_offered, 0) as slots_offered,
        coalesce(offered.slots_booked, 0) as slots_booked,
        coalesce(visits.encounters, 0) as encounters,
        coalesce(visits.minutes_used, 0) as minutes_used
    from units
    left join offered
        on
            units.facility_id = offered.facility_id
            and units.specialty_id = offered.specialty_id
            and units.week_start = offered.week_start
            and units.iso_weekday = offered.iso_weekday
            and units.hour_of_day = offered.hour_of_day
    left join visits
        on
            units.facility_id = visits.facility_id
            and units.specialty_id = visits.specialty_id
            and units.week_start = visits.week_start
            and units.iso_weekday = visits.iso_weekday
            and units.hour_of_day = visits.hour_of_day
)

select * from final
