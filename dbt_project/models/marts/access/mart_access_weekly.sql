{#- Access to appointments by specialty x ISO week of the appointment, at four levels of the hierarchy:
    facility, head polyclinic (its branches pooled), okrug and city (`level`, `unit_id`).

    Counted appointments are those not cancelled (attended, missed, or still open). Lead time runs from
    the day of booking to the day of the slot. DNA rate = missed / (attended + missed). The share seen
    within the standard is over attended appointments. TNAA is the facility's own value at the facility
    level and the median over the facilities of the unit above it.

    Incremental: a run re-aggregates the weeks from the one before its window on (a day's events are of
    slots on or after the day before it, and its snapshots are of the Mondays after it). -#}
{{
    config(
        unique_key='week_start',
        tags=['daily'],
        meta={'rebuilds': {'from_window': {'column': 'week_start', 'lookback_days': 1, 'grain': 'week'}}},
    )
}}

{%- set bands = booking_bands() %}

-- the jinja loops below write four similar CTEs, which sqlfluff cannot lay out
-- noqa: disable=LT02

with appointments as (
    select * from {{ ref('int_appointments_measured') }}
),

snapshots as (
    select * from {{ ref('int_slots_snapshotted') }}
),

facilities as (
    select * from {{ ref('dim_facilities') }}
),

counted as (
    select
        appointments.*,
        facilities.head_facility_id,
        facilities.okrug_id,
        facilities.city_id
    from appointments
    inner join facilities on appointments.facility_id = facilities.facility_id
    where
        appointments.outcome <> 'cancelled'
        and {{ from_window('appointments.slot_week_start', 1, 'week') }}
),

tnaa as (
    select
        snapshots.*,
        facilities.head_facility_id,
        facilities.okrug_id,
        facilities.city_id
    from snapshots
    inner join facilities on snapshots.facility_id = facilities.facility_id
    where {{ from_window('snapshots.week_start', 1, 'week') }}
),

{%- set levels = {
    'facility': 'facility_id',
    'head_facility': 'head_facility_id',
    'okrug': 'okrug_id',
    'city': 'city_id',
} %}

{% for level, unit in levels.items() %}
access_{{ level }} as (
    select
        '{{ level }}' as hierarchy_level,
        cast({{ unit }} as {{ dbt.type_string() }}) as unit_id,
        specialty_id,
        slot_week_start as week_start,
        count(*) as appointments,
        percentile_cont(0.5) within group (order by lead_time_days) as median_lead_time_days,
        percentile_cont(0.9) within group (order by lead_time_days) as p90_lead_time_days,
        {{ safe_ratio("sum(case when booking_band = 'same_day' then 1 else 0 end)", 'count(*)') }}
            as same_day_share,
        {%- for band in bands %}
        {{ safe_ratio("sum(case when booking_band = '" ~ band ~ "' then 1 else 0 end)", 'count(*)') }}
            as band_{{ band }}_share,
        {%- endfor %}
        cast(sum(case when outcome = 'attended' then 1 else 0 end) as {{ dbt.type_bigint() }}) as attended,
        cast(sum(case when outcome = 'no_show' then 1 else 0 end) as {{ dbt.type_bigint() }}) as no_shows,
        {{ safe_ratio(
            "sum(case when outcome = 'attended' and is_within_standard then 1 else 0 end)",
            "sum(case when outcome = 'attended' then 1 else 0 end)",
        ) }} as within_standard_share,
        {{ safe_ratio(
            "sum(case when outcome = 'no_show' then 1 else 0 end)",
            "sum(case when outcome in ('attended', 'no_show') then 1 else 0 end)",
        ) }} as dna_rate
        {%- for band in bands %},
        {{ safe_ratio(
            "sum(case when booking_band = '" ~ band ~ "' and outcome = 'no_show' then 1 else 0 end)",
            "sum(case when booking_band = '" ~ band ~ "' and outcome in ('attended', 'no_show') then 1 else 0 end)",
        ) }} as dna_rate_{{ band }}
        {%- endfor %}
    from counted
    group by {{ unit }}, specialty_id, slot_week_start
),

tnaa_{{ level }} as (
    select
        cast({{ unit }} as {{ dbt.type_string() }}) as unit_id,
        specialty_id,
        week_start,
        {%- if level == 'facility' %}
        max(tnaa_days) as tnaa_days
        {%- else %}
        percentile_cont(0.5) within group (order by tnaa_days) as tnaa_days
        {%- endif %}
    from tnaa
    group by {{ unit }}, specialty_id, week_start
),
{% endfor %}

combined as (
    {%- for level in levels %}
    select
        '{{ level }}' as hierarchy_level,
        coalesce(access_{{ level }}.unit_id, tnaa_{{ level }}.unit_id) as unit_id,
        coalesce(access_{{ level }}.specialty_id, tnaa_{{ level }}.specialty_id) as specialty_id,
        coalesce(access_{{ level }}.week_start, tnaa_{{ level }}.week_start) as week_start,
        coalesce(access_{{ level }}.appointments, 0) as appointments,
        access_{{ level }}.median_lead_time_days,
        access_{{ level }}.p90_lead_time_days,
        access_{{ level }}.same_day_share,
        {%- for band in bands %}
        access_{{ level }}.band_{{ band }}_share,
        {%- endfor %}
        coalesce(access_{{ level }}.attended, 0) as attended,
        coalesce(access_{{ level }}.no_shows, 0) as no_shows,
        access_{{ level }}.within_standard_share,
        access_{{ level }}.dna_rate,
        {%- for band in bands %}
        access_{{ level }}.dna_rate_{{ band }},
        {%- endfor %}
        cast(tnaa_{{ level }}.tnaa_days as {{ type_double() }}) as tnaa_days
    from access_{{ level }}
    full outer join tnaa_{{ level }}
        on
            access_{{ level }}.unit_id = tnaa_{{ level }}.unit_id
            and access_{{ level }}.specialty_id = tnaa_{{ level }}.specialty_id
            and access_{{ level }}.week_start = tnaa_{{ level }}.week_start
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        combined.*,
        cast(extract(isoyear from combined.week_start) as integer) as iso_year,
        cast(extract(week from combined.week_start) as integer) as iso_week,
        {{ audit_columns() }}
    from combined
)

select * from final
