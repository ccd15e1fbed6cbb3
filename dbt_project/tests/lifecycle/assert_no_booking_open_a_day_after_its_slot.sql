{#- By the end of the day after its slot, a booking is attended, missed or cancelled. Returns the bookings
    still open although the data reaches past that day. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_appointments'}}}) }}

with appointments as (
    select * from {{ ref('fct_appointments') }}
    where {{ changed_in_window('slot_date', 2) }}
),

last_day as (
    select max(partition_date) as last_loaded_date from {{ ref('stg_operational__appointments_booked') }}
)

select
    appointments.appointment_id,
    appointments.slot_starts_at,
    last_day.last_loaded_date
from appointments
cross join last_day
where
    appointments.outcome = 'open'
    and appointments.slot_date < {{ dbt.dateadd('day', -1, 'last_day.last_loaded_date') }}
