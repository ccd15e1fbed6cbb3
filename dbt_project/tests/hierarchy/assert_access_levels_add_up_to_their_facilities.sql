{#- An okrug's row of the access mart holds the sum of its facilities' rows (the facilities the okrug has
    now, dim_facilities), and so do a head polyclinic's and the city's: appointments, attended, missed.
    Returns the level x unit x specialty x week cells whose counts differ from their facilities' sums.
    A run with a window checks the weeks it rewrote. -#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_access_weekly'}}}) }}

with access as (
    select * from {{ ref('mart_access_weekly') }}
    where {{ written_this_run() }}
),

facilities as (
    select * from {{ ref('dim_facilities') }}
),

facility_rows as (
    select
        access.specialty_id,
        access.week_start,
        access.appointments,
        access.attended,
        access.no_shows,
        cast(facilities.head_facility_id as {{ dbt.type_string() }}) as head_facility_id,
        cast(facilities.okrug_id as {{ dbt.type_string() }}) as okrug_id,
        cast(facilities.city_id as {{ dbt.type_string() }}) as city_id
    from access
    inner join facilities on access.unit_id = cast(facilities.facility_id as {{ dbt.type_string() }})
    where access.hierarchy_level = 'facility'
),

{%- set levels = {'head_facility': 'head_facility_id', 'okrug': 'okrug_id', 'city': 'city_id'} %}

summed as (
    {%- for level, unit in levels.items() %}
        select
            '{{ level }}' as hierarchy_level,
            {{ unit }} as unit_id,
            specialty_id,
            week_start,
            sum(appointments) as appointments,
            sum(attended) as attended,
            sum(no_shows) as no_shows
        from facility_rows
        group by {{ unit }}, specialty_id, week_start
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

levels as (
    select * from access
    where hierarchy_level <> 'facility'
)

select
    coalesce(levels.hierarchy_level, summed.hierarchy_level) as hierarchy_level,
    coalesce(levels.unit_id, summed.unit_id) as unit_id,
    coalesce(levels.specialty_id, summed.specialty_id) as specialty_id,
    coalesce(levels.week_start, summed.week_start) as week_start,
    levels.appointments,
    summed.appointments as facilities_appointments,
    levels.attended,
    summed.attended as facilities_attended,
    levels.no_shows,
    summed.no_shows as facilities_no_shows
from levels
full outer join summed
    on
        levels.hierarchy_level = summed.hierarchy_level
        and levels.unit_id = summed.unit_id
        and levels.specialty_id = summed.specialty_id
        and levels.week_start = summed.week_start
where
    coalesce(levels.appointments, 0) <> coalesce(summed.appointments, 0)
    or coalesce(levels.attended, 0) <> coalesce(summed.attended, 0)
    or coalesce(levels.no_shows, 0) <> coalesce(summed.no_shows, 0)
