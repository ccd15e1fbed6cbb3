{#- One row per appointment with its whole life: booked, then cancelled, attended or missed.

    Incremental by day: a run takes the window's events, and for an appointment booked before the window
    it starts from the row already in the table. Events outside the window are kept from that row; events
    inside it are taken afresh, so a re-run of a day replaces exactly that day's part of each life. -#}
{{
    config(
        materialized='incremental',
        unique_key='appointment_id',
        tags=['daily'],
        meta={'test_window': {'column': 'last_event_date', 'lookback_days': 0}},
    )
}}

with booked as (
    select * from {{ ref('stg_operational__appointments_booked') }}
    where {{ in_window('partition_date') }}
),

cancelled as (
    select * from {{ ref('stg_operational__appointments_cancelled') }}
    where {{ in_window('partition_date') }}
),

attended as (
    select * from {{ ref('stg_operational__appointments_attended') }}
    where {{ in_window('partition_date') }}
),

no_shows as (
    select * from {{ ref('stg_operational__appointments_no_show') }}
    where {{ in_window('partition_date') }}
),

-- a booking is made before its slot starts, so the slots of the window's bookings start after the
-- window opens (a day's grace); the lookup then reads recent slots, not the whole history
slots as (
    select * from {{ ref('stg_operational__slots_published') }}
    where cast(starts_at as date) >= {{ window_lookback(1) }}
),

touched as (
    select appointment_id from booked
    union
    select appointment_id from cancelled
    union
    select appointment_id from attended
    union
    select appointment_id from no_shows
),

{% if is_incremental() %}
    previous as (
        select * from {{ this }}
        where appointment_id in (select touched.appointment_id from touched)
    ),
{% endif %}

new_bookings as (
    select
        booked.appointment_id,
        booked.slot_id,
        booked.patient_id,
        slots.facility_id,
        slots.doctor_id,
        slots.specialty_id,
        booked.channel,
        booked.referral_id,
        booked.occurred_at as booked_at,
        slots.occurred_at as slot_published_at,
        slots.starts_at as slot_starts_at,
        slots.is_urgent_reserve
    from booked
    inner join slots on booked.slot_id = slots.slot_id
),

bookings as (
    select * from new_bookings
    {% if is_incremental() %}
        union all
        select
            appointment_id,
            slot_id,
            patient_id,
            facility_id,
            doctor_id,
            specialty_id,
            channel,
            referral_id,
            booked_at,
            slot_published_at,
            slot_starts_at,
            is_urgent_reserve
        from previous
        where appointment_id not in (select new_bookings.appointment_id from new_bookings)
    {% endif %}
),

lives as (
    select
        bookings.*,
        {{ carried('cancelled.occurred_at', 'previous.cancelled_at', 'previous.cancelled_at') }} as cancelled_at,
        {{ carried('cancelled.cancelled_by', 'previous.cancelled_by', 'previous.cancelled_at') }} as cancelled_by,
        {{ carried('attended.occurred_at', 'previous.attended_at', 'previous.attended_at') }} as attended_at,
        {{ carried('no_shows.occurred_at', 'previous.no_show_at', 'previous.no_show_at') }} as no_show_at
    from bookings
    left join cancelled on bookings.appointment_id = cancelled.appointment_id
    left join attended on bookings.appointment_id = attended.appointment_id
    left join no_shows on bookings.appointment_id = no_shows.appointment_id
    {%- if is_incremental() %}
        left join previous on bookings.appointment_id = previous.appointment_id
    {%- endif %}
),

measured as (
    select
        *,
        cast(slot_starts_at as date) as slot_date,
        cast(booked_at as date) as booked_date,
        {{ dbt.datediff('cast(booked_at as date)', 'cast(slot_starts_at as date)', 'day') }} as lead_time_days,
        {{ dbt.datediff('booked_at', 'slot_starts_at', 'minute') }} as lead_time_minutes
    from lives
),

final as (
    select
        appointment_id,
        slot_id,
        patient_id,
        facility_id,
        doctor_id,
        specialty_id,
        channel,
        channel in ('portal', 'mobile_app', 'call_centre', 'kiosk') as is_remote_booking,
        referral_id,
        is_urgent_reserve,
        slot_published_at,
        booked_at,
        booked_date,
        slot_starts_at,
        slot_date,
        cast({{ dbt.date_trunc('week', 'slot_date') }} as date) as slot_week_start,
        lead_time_days,
        lead_time_minutes,
        {{ booking_band('lead_time_days') }} as booking_band,
        cancelled_at,
        cancelled_by,
        attended_at,
        no_show_at,
        case
            when cancelled_at is not null then 'cancelled'
            when attended_at is not null then 'attended'
            when no_show_at is not null then 'no_show'
            else 'open'
        end as outcome,
        -- the day of the latest event: downstream marts re-aggregate what the window changed
        cast(
            greatest(
                booked_at,
                coalesce(cancelled_at, booked_at),
                coalesce(attended_at, booked_at),
                coalesce(no_show_at, booked_at)
            ) as date
        ) as last_event_date
    from measured
)

select * from final
