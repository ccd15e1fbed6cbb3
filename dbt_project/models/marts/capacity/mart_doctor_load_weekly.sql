{#- Doctor x ISO week: slots and minutes scheduled against visits and minutes used (load = used / scheduled).
    The doctor's facility and specialty are those of the post on the week's Monday (or first day of the post).
    Incremental: a run re-aggregates the weeks from the one before its window on (a day's events are of
    slots on or after the day before it, fct_slots). -#}
{{
    config(
        unique_key='week_start',
        tags=['daily'],
        meta={'rebuilds': {'from_window': {'column': 'week_start', 'lookback_days': 1, 'grain': 'week'}}},
    )
}}

with slots as (
    select * from {{ ref('fct_slots') }}
),

encounters as (
    select * from {{ ref('fct_encounters') }}
),

doctors as (
    select * from {{ ref('dim_doctors') }}
),

scheduled as (
    select
        doctor_id,
        slot_week_start as week_start,
        count(*) as slots_offered,
        cast(sum(case when is_booked then 1 else 0 end) as {{ dbt.type_bigint() }}) as slots_booked,
        sum(duration_min) as minutes_scheduled
    from slots
    where {{ from_window('slot_week_start', 1, 'week') }}
    group by doctor_id, slot_week_start
),

worked as (
    select
        doctor_id,
        encounter_week_start as week_start,
        count(*) as encounters,
        cast(sum(case when is_walk_in then 1 else 0 end) as {{ dbt.type_bigint() }}) as walk_ins,
        sum(minutes) as minutes_used
    from encounters
    where {{ from_window('encounter_week_start', 1, 'week') }}
    group by doctor_id, encounter_week_start
),

units as (
    select
        doctor_id,
        week_start
    from scheduled
    union
    select
        doctor_id,
        week_start
    from worked
),

posts as (
    select
        units.doctor_id,
        units.week_start,
        doctors.facility_id,
        doctors.specialty_id,
        doctors.rate,
        row_number() over (
            partition by units.doctor_id, units.week_start order by doctors.valid_from desc
        ) as post_rank
    from units
    inner join doctors
        on
            units.doctor_id = doctors.doctor_id
            and {{ dbt.dateadd('day', 6, 'units.week_start') }} >= doctors.valid_from
            and units.week_start <= doctors.valid_to
),

final as (
    select
        units.doctor_id,
        units.week_start,
        posts.facility_id,
        posts.specialty_id,
        posts.rate,
        coalesce(scheduled.slots_offered, 0) as slots_offered,
        coalesce(scheduled.slots_booked, 0) as slots_booked,
        coalesce(scheduled.minutes_scheduled, 0) as minutes_scheduled,
        coalesce(worked.encounters, 0) as encounters,
        coalesce(worked.walk_ins, 0) as walk_ins,
        coalesce(worked.minutes_used, 0) as minutes_used,
        {{ safe_ratio('coalesce(worked.minutes_used, 0)', 'scheduled.minutes_scheduled') }} as load_ratio,
        {{ audit_columns() }}
    from units
    left join posts
        on
            units.doctor_id = posts.doctor_id
            and units.week_start = posts.week_start
            and posts.post_rank = 1
    left join scheduled
        on units.doctor_id = scheduled.doctor_id and units.week_start = scheduled.week_start
    left join worked
        on units.doctor_id = worked.doctor_id and units.week_start = worked.week_start
)

select * from final
