{#- Facility x specialty x day of the slot: what was offered, booked, attended, missed, cancelled. -#}
with slots as (
    select * from {{ ref('stg_operational__slots_published') }}
),

appointments as (
    select * from {{ ref('fct_appointments') }}
),

facilities as (
    select * from {{ ref('dim_facilities') }}
),

offered as (
    select
        facility_id,
        specialty_id,
        cast(starts_at as date) as slot_date,
        count(*) as slots_offered
    from slots
    group by 1, 2, 3
),

used as (
    select
        facility_id,
        specialty_id,
        slot_date,
        count(*) as bookings,
        -- a slot counts as used when a booking on it was not cancelled
        count(distinct case when outcome <> 'cancelled' then slot_id end) as slots_booked,
        sum(case when outcome = 'attended' then 1 else 0 end) as attended,
        sum(case when outcome = 'no_show' then 1 else 0 end) as no_shows,
        sum(case when outcome = 'cancelled' then 1 else 0 end) as cancellations
    from appointments
    group by 1, 2, 3
),

final as (
    select
        offered.facility_id,
        facilities.facility_name,
        facilities.facility_kind,
        facilities.okrug_id,
        offered.specialty_id,
        offered.slot_date,
        offered.slots_offered,
        coalesce(used.bookings, 0) as bookings,
        coalesce(used.slots_booked, 0) as slots_booked,
        coalesce(used.attended, 0) as attended,
        coalesce(used.no_shows, 0) as no_shows,
        coalesce(used.cancellations, 0) as cancellations,
        {{ safe_ratio('coalesce(used.slots_booked, 0)', 'offered.slots_offered') }} as utilisation
    from offered
    left join used
        on
            offered.facility_id = used.facility_id
            and offered.specialty_id = used.specialty_id
            and offered.slot_date = used.slot_date
    left join facilities on offered.facility_id = facilities.facility_id
)

select * from final
