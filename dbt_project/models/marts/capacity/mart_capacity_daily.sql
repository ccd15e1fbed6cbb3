{#- Facility x specialty x day: the slots offered and what became of them, walk-ins, and doctor-minutes
    used against the minutes scheduled.

    Utilisation = slots booked (a booking that was not cancelled) / slots offered; urgent-reserve slots
    are offered too. Minutes scheduled = the length of the slots offered; minutes used = the minutes of
    the visits closed that day (booked and walk-in).
    Incremental: a run re-aggregates the days from the one before its window on (a day's events are of
    slots on or after the day before it, fct_slots). -#}
{{
    config(
        unique_key='activity_date',
        tags=['daily'],
        meta={'rebuilds': {'from_window': {'column': 'activity_date', 'lookback_days': 1}}},
    )
}}

with slots as (
    select * from {{ ref('fct_slots') }}
),

appointments as (
    select * from {{ ref('fct_appointments') }}
),

encounters as (
    select * from {{ ref('fct_encounters') }}
),

facilities as (
    select * from {{ ref('dim_facilities') }}
),

offered as (
    select
        facility_id,
        specialty_id,
        slot_date as activity_date,
        count(*) as slots_offered,
        cast(sum(case when is_urgent_reserve then 1 else 0 end) as {{ dbt.type_bigint() }}) as urgent_reserve_slots,
        cast(sum(case when is_booked then 1 else 0 end) as {{ dbt.type_bigint() }}) as slots_booked,
        sum(duration_min) as minutes_scheduled
    from slots
    where {{ from_window('slot_date', 1) }}
    group by facility_id, specialty_id, slot_date
),

booked as (
    select
        facility_id,
        specialty_id,
        slot_date as activity_date,
        count(*) as bookings,
        cast(sum(case when outcome = 'cancelled' then 1 else 0 end) as {{ dbt.type_bigint() }}) as cancellations,
        cast(sum(case when outcome = 'attended' then 1 else 0 end) as {{ dbt.type_bigint() }}) as attended,
        cast(sum(case when outcome = 'no_show' then 1 else 0 end) as {{ dbt.type_bigint() }}) as no_shows
    from appointments
    where {{ from_window('slot_date', 1) }}
    group by facility_id, specialty_id, slot_date
),

visits as (
    select
        facility_id,
        specialty_id,
        encounter_date as activity_date,
        count(*) as encounters,
        cast(sum(case when is_walk_in then 1 else 0 end) as {{ dbt.type_bigint() }}) as walk_ins,
        sum(minutes) as minutes_used
    from encounters
    where {{ from_window('encounter_date', 1) }}
    group by facility_id, specialty_id, encounter_date
),

units as (
    select
        facility_id,
        specialty_id,
        activity_date
    from offered
    union
    select
        facility_id,
        specialty_id,
        activity_date
    from booked
    union
    select
        facility_id,
        specialty_id,
        activity_date
    from visits
),

final as (
    select
        units.facility_id,
        facilities.facility_name,
        facilities.facility_kind,
        facilities.head_facility_id,
        facilities.okrug_id,
        units.specialty_id,
        units.activity_date,
        coalesce(offered.slots_offered, 0) as slots_offered,
        coalesce(offered.urgent_reserve_slots, 0) as urgent_reserve_slots,
        coalesce(booked.bookings, 0) as bookings,
        coalesce(offered.slots_booked, 0) as slots_booked,
        coalesce(booked.attended, 0) as attended,
        coalesce(booked.no_shows, 0) as no_shows,
        coalesce(booked.cancellations, 0) as cancellations,
        {{ safe_ratio('coalesce(offered.slots_booked, 0)', 'offered.slots_offered') }} as utilisation,
        coalesce(visits.encounters, 0) as encounters,
        coalesce(visits.walk_ins, 0) as walk_ins,
        coalesce(offered.minutes_scheduled, 0) as minutes_scheduled,
        coalesce(visits.minutes_used, 0) as minutes_used,
        {{ safe_ratio('coalesce(visits.minutes_used, 0)', 'offered.minutes_scheduled') }} as minutes_utilisation,
        {{ audit_columns() }}
    from units
    inner join facilities on units.facility_id = facilities.facility_id
    left join offered
        on
            units.facility_id = offered.facility_id
            and units.specialty_id = offered.specialty_id
            and units.activity_date = offered.activity_date
    left join booked
        on
            units.facility_id = booked.facility_id
            and units.specialty_id = booked.specialty_id
            and units.activity_date = booked.activity_date
    left join visits
        on
            units.facility_id = visits.facility_id
            and units.specialty_id = visits.specialty_id
            and units.activity_date = visits.activity_date
)

select * from final
