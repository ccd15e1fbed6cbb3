{#- An appointment is attended, missed or cancelled only after it was booked, and only one of them.
    Returns the appointments that break it. -#}
select
    appointment_id,
    booked_at,
    cancelled_at,
    attended_at,
    no_show_at
from {{ ref('fct_appointments') }}
where
    {{ changed_in_window('last_event_date') }}
    and (
        attended_at < booked_at
        or no_show_at < booked_at
        or cancelled_at < booked_at
        or (attended_at is not null and no_show_at is not null)
        or (cancelled_at is not null and (attended_at is not null or no_show_at is not null))
    )
