{#- Third next available appointment (TNAA, IHI method) per facility x specialty at each week's snapshot,
    Monday 08:00: the days from the snapshot's day to the day of the third free slot, weekends counted.
    A slot is free at the snapshot if it was published before it, starts after it, is not held for
    urgent use, and holds no booking at that moment (never booked, or booked and cancelled before).
    Incremental: a snapshot sees what happened before it, so a run recomputes the snapshots of the Mondays
    on or after its window's first day (a day's run: the Monday of its week, once it has come). -#}
{{
    config(
        materialized='incremental',
        unique_key='week_start',
        tags=['daily'],
        meta={'rebuilds': {'from_window': {'column': 'week_start'}}},
    )
}}

with slots as (
    select * from {{ ref('fct_slots') }}
    where not is_urgent_reserve and {{ from_window('slot_date') }}
),

appointments as (
    select * from {{ ref('fct_appointments') }}
    where {{ from_window('slot_date') }}
),

last_published as (
    select max(published_date) as last_published_date
    from {{ ref('fct_slots') }}
    where not is_urgent_reserve
),

weeks as (
    select distinct slot_week_start as week_start
    from slots
    where
        {{ from_window('slot_week_start') }}
        -- a snapshot is taken once its Monday has come: later weeks wait for their data
        and slot_week_start <= (select last_published.last_published_date from last_published)
),

snapshots as (
    select
        week_start,
        {{ dbt.dateadd('hour', 8, 'week_start') }} as snapshot_at
    from weeks
),

-- the slots open to booking at each snapshot, up to a quarter ahead (further is beyond any standard)
candidates as (
    select
        snapshots.week_start,
        snapshots.snapshot_at,
        slots.slot_id,
        slots.facility_id,
        slots.specialty_id,
        slots.starts_at,
        slots.slot_date
    from snapshots
    inner join slots
        on
            snapshots.snapshot_at <= slots.starts_at
            and {{ dbt.dateadd('day', 92, 'snapshots.snapshot_at') }} > slots.starts_at
            and snapshots.snapshot_at >= slots.published_at
),

held as (
    select distinct
        candidates.week_start,
        candidates.slot_id
    from candidates
    inner join appointments
        on
            candidates.slot_id = appointments.slot_id
            and candidates.snapshot_at >= appointments.booked_at
            and (appointments.cancelled_at is null or candidates.snapshot_at < appointments.cancelled_at)
),

free as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.week_start, candidates.facility_id, candidates.specialty_id
            order by candidates.starts_at, candidates.slot_id
        ) as free_rank
    from candidates
    left join held
        on
            candidates.week_start = held.week_start
            and candidates.slot_id = held.slot_id
    where held.slot_id is null
),

units as (
    select distinct
        week_start,
        facility_id,
        specialty_id
    from candidates
),

final as (
    select
        units.week_start,
        units.facility_id,
        units.specialty_id,
        third.starts_at as third_free_slot_at,
        -- null when fewer than three slots are free within the quarter ahead
        {{ dbt.datediff('units.week_start', 'third.slot_date', 'day') }} as tnaa_days,
        {{ audit_columns() }}
    from units
    left join free as third
        on
            units.week_start = third.week_start
            and units.facility_id = third.facility_id
            and units.specialty_id = third.specialty_id
            and third.free_rank = 3
)

select * from final
