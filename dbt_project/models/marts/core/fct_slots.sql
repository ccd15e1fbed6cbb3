{#- One row per published slot with where it stands now: free, or booked by an appointment that was not
    cancelled (and how that appointment ended).

    Incremental by day: a run rebuilds the slots published in its window and every slot from the day before
    the window on: a day's bookings, cancellations, visits and no-shows are of slots on or after the day
    before it (a booking precedes its slot and is closed by the day after it; the lifecycle checks hold
    it), so a booking taken back from a day's files frees its slot here too. -#}
{{
    config(
        unique_key='slot_id',
        tags=['daily'],
        meta={'rebuilds': {
            'in_window': ['published_date'],
            'from_window': {'column': 'slot_date', 'lookback_days': 1},
            'within': {'column': 'slot_date', 'lookback_days': 1},
        }},
    )
}}

with published as (
    select * from {{ ref('stg_operational__slots_published') }}
    where {{ in_window('partition_date') }} or {{ from_window('cast(starts_at as date)', 1) }}
),

appointments as (
    select * from {{ ref('fct_appointments') }}
    where
        slot_id in (select published.slot_id from published)
        -- lets the scan skip the older appointments (the same slots, earlier days cannot hold them)
        and slot_date >= (select min(cast(published.starts_at as date)) from published)
),

slot_bookings as (
    select
        slot_id,
        count(*) as bookings,
        cast(sum(case when outcome = 'cancelled' then 1 else 0 end) as {{ dbt.type_bigint() }}) as cancellations,
        -- at most one booking of a slot stands (a test checks it); take the latest if not
        max(case when outcome <> 'cancelled' then appointment_id end) as appointment_id
    from appointments
    group by slot_id
),

final as (
    select
        slots.slot_id,
        slots.doctor_id,
        slots.facility_id,
        slots.specialty_id,
        slots.occurred_at as published_at,
        slots.partition_date as published_date,
        slots.starts_at,
        {{ dbt.dateadd('minute', 'slots.duration_min', 'slots.starts_at') }} as ends_at,
        cast(slots.starts_at as date) as slot_date,
        cast({{ dbt.date_trunc('week', 'cast(slots.starts_at as date)') }} as date) as slot_week_start,
        cast(extract(hour from slots.starts_at) as integer) as slot_hour,
        slots.duration_min,
        slots.is_urgent_reserve,
        coalesce(slot_bookings.bookings, 0) as bookings,
        coalesce(slot_bookings.cancellations, 0) as cancellations,
        slot_bookings.appointment_id,
        slot_bookings.appointment_id is not null as is_booked,
        case
            when slot_bookings.appointment_id is null then 'free'
            else current_booking.outcome
        end as status,
        {{ audit_columns() }}
    from published as slots
    left join slot_bookings on slots.slot_id = slot_bookings.slot_id
    left join appointments as current_booking on slot_bookings.appointment_id = current_booking.appointment_id
)

select * from final
