{#- One row per published slot with where it stands now: free, or booked by an appointment that was not
    cancelled (and how that appointment ended).

    Incremental by day: the window's new slots, and the slots whose bookings the window changed, are
    built again from their appointments. -#}
{{
    config(
        materialized='incremental',
        unique_key='slot_id',
        tags=['daily'],
        meta={'test_window': {'column': 'slot_date', 'lookback_days': 2}},
    )
}}

with published as (
    select * from {{ ref('stg_operational__slots_published') }}
),

appointments as (
    select * from {{ ref('fct_appointments') }}
),

changed_appointments as (
    select slot_id from appointments
    where
        {{ in_window('booked_date') }}
        or {{ in_window('cast(cancelled_at as date)') }}
        or {{ in_window('cast(attended_at as date)') }}
        or {{ in_window('cast(no_show_at as date)') }}
),

touched as ( -- noqa: ST03
    select slot_id from published
    where {{ in_window('partition_date') }}
    union
    select slot_id from changed_appointments
),

slots as (
    select * from published
    {%- if has_window() %}
        -- slots whose bookings change start after the window opens (see fct_appointments)
        where
            slot_id in (select touched.slot_id from touched)
            and (
                {{ in_window('partition_date') }}
                or cast(starts_at as date) >= {{ window_lookback(1) }}
            )
    {%- endif %}
),

slot_bookings as (
    select
        slot_id,
        count(*) as bookings,
        cast(sum(case when outcome = 'cancelled' then 1 else 0 end) as {{ dbt.type_bigint() }}) as cancellations,
        -- at most one booking of a slot stands (a test checks it); take the latest if not
        max(case when outcome <> 'cancelled' then appointment_id end) as appointment_id
    from appointments
    {%- if has_window() %}
        where slot_id in (select touched.slot_id from touched)
    {%- endif %}
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
        end as status
    from slots
    left join slot_bookings on slots.slot_id = slot_bookings.slot_id
    left join appointments as current_booking on slot_bookings.appointment_id = current_booking.appointment_id
)

select * from final
