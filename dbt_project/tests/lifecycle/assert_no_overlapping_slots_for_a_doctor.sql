{#- A doctor sees one patient at a time: two slots of the same doctor must not overlap, midnight or not
    (a slot 23:50-00:20 overlaps the same doctor's slot at 00:00 of the next day). The ingest quarantines
    the later of such a pair (the contract's noOverlappingSlots); this test holds the marts to it.
    Returns each overlapping pair. -#}
with slots as (
    -- an overlapping pair starts on one day or on two days in a row, so both are in view when either is
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
        -- a slot lasts at most 240 minutes (the contract), so the two start on the same or adjacent
        -- days: the equality on the doctor and the day range keep the join to near neighbours
        and second_slot.slot_date >= cast({{ dbt.dateadd('day', -1, 'first_slot.slot_date') }} as date)
        and second_slot.slot_date <= cast({{ dbt.dateadd('day', 1, 'first_slot.slot_date') }} as date)
        and first_slot.slot_id < second_slot.slot_id
        and first_slot.starts_at < second_slot.ends_at
        and first_slot.ends_at > second_slot.starts_at
