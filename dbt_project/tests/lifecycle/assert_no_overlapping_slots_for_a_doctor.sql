{#- A doctor sees one patient at a time: two slots of the same doctor must not overlap. Returns each
    overlapping pair. -#}
with slots as (
    -- overlapping slots are of one day (below), so both are in view when either is
    select * from {{ ref('fct_slots') }}
    where {{ changed_in_window('slot_date', 2) }}
)

select
    first_slot.doctor_id,
    first_slot.slot_id,
    first_slot.starts_at,
    first_slot.ends_at,
    second_slot.slot_id as overlapping_slot_id,
    second_slot.starts_at as overlapping_starts_at
from slots as first_slot
inner join slots as second_slot
    on
        first_slot.doctor_id = second_slot.doctor_id
        -- slots do not span midnight, so comparing within a day finds every overlap cheaply
        and first_slot.slot_date = second_slot.slot_date
        and first_slot.slot_id < second_slot.slot_id
        and first_slot.starts_at < second_slot.ends_at
        and first_slot.ends_at > second_slot.starts_at
