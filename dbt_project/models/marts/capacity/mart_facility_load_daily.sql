{#- Facility x specialty x day of the slot: what was offered, booked, attended, missed, cancelled.
    Kept for the facility-load dashboard page; the figures come from mart_capacity_daily. -#}
{{ config(materialized='view', tags=['daily']) }}

with capacity as (
    select * from {{ ref('mart_capacity_daily') }}
),

final as (
    select
        facility_id,
        facility_name,
        facility_kind,
        okrug_id,
        specialty_id,
        activity_date as slot_date,
        slots_offered,
        bookings,
        slots_booked,
        attended,
        no_shows,
        cancellations,
        utilisation
    from capacity
    where slots_offered > 0
)

select * from final
