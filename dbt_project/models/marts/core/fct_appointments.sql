{#- One row per appointment with its whole life: booked, then cancelled, attended or missed. -#}
with booked as (
    select * from {{ ref('stg_operational__appointments_booked') }}
),

slots as (
    select * from {{ ref('stg_operational__slots_published') }}
),

cancelled as (
    select * from {{ ref('stg_operational__appointments_cancelled') }}
),

attended as (
    select * from {{ ref('stg_operational__appointments_attended') }}
),

no_shows as (
    select * from {{ ref('stg_operational__appointments_no_show') }}
),

final as (
    select
        booked.appointment_id,
        booked.slot_id,
        booked.patient_id,
        slots.facility_id,
        slots.doctor_id,
        slots.specialty_id,
        booked.channel,
        booked.channel in ('portal', 'mobile_app', 'call_centre', 'kiosk') as is_remote_booking,
        booked.occurred_at as booked_at,
        slots.starts_at as slot_starts_at,
        cast(slots.starts_at as date) as slot_date,
        {{ dbt.datediff('cast(booked.occurred_at as date)', 'cast(slots.starts_at as date)', 'day') }}
            as lead_time_days,
        cancelled.occurred_at as cancelled_at,
        cancelled.cancelled_by,
        attended.occurred_at as attended_at,
        no_shows.occurred_at as no_show_at,
        case
            when cancelled.appointment_id is not null then 'cancelled'
            when attended.appointment_id is not null then 'attended'
            when no_shows.appointment_id is not null then 'no_show'
            else 'open'
        end as outcome
    from booked
    inner join slots on booked.slot_id = slots.slot_id
    left join cancelled on booked.appointment_id = cancelled.appointment_id
    left join attended on booked.appointment_id = attended.appointment_id
    left join no_shows on booked.appointment_id = no_shows.appointment_id
)

select * from final
