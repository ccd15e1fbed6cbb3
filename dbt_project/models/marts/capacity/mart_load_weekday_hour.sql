{#- Facility x specialty x ISO week x weekday x hour: slots offered and booked, visits closed and their
    minutes. Readers sum over weeks for the usual weekday x hour heat map of a period.
    Incremental: a run re-aggregates the weeks from the one before its window on (a day's events are of
    slots on or after the day before it, fct_slots). -#}
{{
    config(
        unique_key='week_start',
        tags=['daily'],
        meta={'rebuilds': {'from_window': {'column': 'week_start', 'lookback_days': 1, 'grain': 'week'}}},
    )
}}

with slots as (
    select * from {{ ref('fct_slots') }}
),

encounters as (
    select * from {{ ref('fct_encounters') }}
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
    where {{ from_window('slot_week_start', 1, 'week') }}
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
    where {{ from_window('encounter_week_start', 1, 'week') }}
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
        coalesce(visits.minutes_used, 0) as minutes_used,
        {{ audit_columns() }}
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
