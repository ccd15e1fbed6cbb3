{#- One row per appointment with its whole life: booked, then cancelled, attended or missed.

    Incremental by day: a run rebuilds every appointment with an event in its window, in the window's
    current files or in the row already in the table (so an event taken back from a day's files is taken
    back here too, and a booking taken back removes the appointment). Events outside the window are kept
    from that row; events inside it are taken afresh, so a re-run of a day replaces exactly that day's part
    of each life. A slot re-exported in the window is looked up again for its appointments (and an
    appointment whose slot was taken back goes with it). -#}
{{
    config(
        unique_key='appointment_id',
        tags=['daily'],
        meta={'rebuilds': {'in_window': [
            'booked_date',
            'cast(cancelled_at as date)',
            'cast(attended_at as date)',
            'cast(no_show_at as date)',
            'cast(slot_published_at as date)',
        ], 'within': {'column': 'slot_date', 'lookback_days': 1}}},
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

-- a booking is made before its slot starts, and attended or missed by the day after it (the lifecycle
-- checks hold it), so the slots of the window's events start after the window opens (a day's grace);
-- the lookup then reads recent slots, not the whole history
slots as (
    select * from {{ ref('stg_operational__slots_published') }}
    where {{ from_window('cast(starts_at as date)', 1) }}
),

touched as ( -- noqa: ST03
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
        where {{ rebuilt_rows(also='appointment_id in (select touched.appointment_id from touched)') }}
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
        -- booked before the window: the booking is kept, its slot taken afresh when it was re-exported
        select
            previous.appointment_id,
            previous.slot_id,
            previous.patient_id,
            coalesce(slots.facility_id, previous.facility_id) as facility_id,
            coalesce(slots.doctor_id, previous.doctor_id) as doctor_id,
            coalesce(slots.specialty_id, previous.specialty_id) as specialty_id,
            previous.channel,
            previous.referral_id,
            previous.booked_at,
            coalesce(slots.occurred_at, previous.slot_published_at) as slot_published_at,
            coalesce(slots.starts_at, previous.slot_starts_at) as slot_starts_at,
            coalesce(slots.is_urgent_reserve, previous.is_urgent_reserve) as is_urgent_reserve
        from previous
        left join slots on previous.slot_id = slots.slot_id
        where
            not {{ in_window('previous.booked_date') }}
            and previous.appointment_id not in (select booked.appointment_id from booked)
            -- a slot published in the window and no longer there was taken back
            and (slots.slot_id is not null or not {{ in_window('cast(previous.slot_published_at as date)') }})
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
        -- the day of the latest event: the windowed lifecycle checks read the appointments it changed
        cast(
            greatest(
                booked_at,
                coalesce(cancelled_at, booked_at),
                coalesce(attended_at, booked_at),
                coalesce(no_show_at, booked_at)
            ) as date
        ) as last_event_date,
        {{ audit_columns() }}
    from measured
)

select * from final
