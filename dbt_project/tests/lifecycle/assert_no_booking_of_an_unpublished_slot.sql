{#- A booking must come after its slot was published. Returns the bookings that came before. -#}
select
    appointment_id,
    slot_id,
    booked_at,
    slot_published_at
from {{ ref('fct_appointments') }}
where booked_at < slot_published_at and {{ changed_in_window('last_event_date') }}
