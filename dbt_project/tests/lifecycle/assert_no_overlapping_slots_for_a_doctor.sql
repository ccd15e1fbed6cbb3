{#- A doctor sees one patient at a time: two slots of the same doctor must not overlap, midnight or not
    (a slot 23:50-00:20 overlaps the same doctor's slot at 00:00 of the next day). The ingest quarantines
    the later of such a pair (the contract's noOverlappingSlots); this test holds the marts to it.
    Returns each overlapping pair: a slot that starts before an earlier-starting slot of the same doctor
    has ended (half-open [start, end): a slot may start when the one before ends), beside the earlier slot
    that ends last. -#}
with slots as (
    -- a slot lasts at most 240 minutes (the contract), so a slot's overlap starts the same day or the
    -- day before: the day before the window stays in view
    select * from {{ ref('fct_slots') }}
    where {{ changed_in_window('slot_date', 2) }}
),

-- one pass in start order instead of a self join: a doctor's slots over weeks ahead would otherwise pair
-- up by the hundred million at Moscow scale
ordered as (
    select
        doctor_id,
        slot_id,
        starts_at,
        ends_at,
        max(ends_at) over (
            partition by doctor_id
            order by starts_at, slot_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_ends_at
    from slots
),

overlapping as (
    select * from ordered
    where starts_at < earlier_ends_at
)

-- the few overlapping slots find their earlier partner by a join of their own
select
    earlier.doctor_id,
    earlier.slot_id,
    earlier.starts_at,
    earlier.ends_at,
    overlapping.slot_id as overlapping_slot_id,
    overlapping.starts_at as overlapping_starts_at
from overlapping
inner join slots as earlier
    on
        overlapping.doctor_id = earlier.doctor_id
        and overlapping.earlier_ends_at = earlier.ends_at
        and (
            overlapping.starts_at > earlier.starts_at
            or (overlapping.starts_at = earlier.starts_at and overlapping.slot_id > earlier.slot_id)
        )
