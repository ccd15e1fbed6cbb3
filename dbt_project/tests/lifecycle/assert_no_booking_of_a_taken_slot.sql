{#- A slot holds one booking at a time: a new booking is allowed only once every earlier booking of the
    slot was cancelled. Returns the later booking of each clashing pair, with the one it clashed with. -#}
with appointments as (
    -- both bookings of a clash are of one slot, so of one day
    select * from {{ ref('fct_appointments') }}
    where {{ changed_in_window('slot_date', 2) }}
),

clashes as (
    select
        later.appointment_id,
        later.slot_id,
        later.booked_at,
        earlier.appointment_id as clashes_with_appointment_id,
        earlier.booked_at as clashes_with_booked_at
    from appointments as later
    inner join appointments as earlier
        on
            later.slot_id = earlier.slot_id
            and later.appointment_id <> earlier.appointment_id
            and (
                later.booked_at > earlier.booked_at
                or (later.booked_at = earlier.booked_at and later.appointment_id > earlier.appointment_id)
            )
            and (earlier.cancelled_at is null or later.booked_at < earlier.cancelled_at)
)

select * from clashes
