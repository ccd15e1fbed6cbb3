{#- The midnight census of mart_bed_occupancy_daily, summed over every hospital, profile and day, is the
    stays' bed-days: each stay's nights from its admission day to the day before its discharge (to the last
    day of data while it lasts). A night lost (a department with no bed count valid that day, a profile
    missing) or counted twice (overlapping bed counts of a department) makes the two differ.
    Returns one row, with both figures, when they differ. The mart is rebuilt whole on every run. -#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_bed_occupancy_daily'}}}) }}

with census as (
    select coalesce(sum(midnight_census), 0) as census_nights
    from {{ ref('mart_bed_occupancy_daily') }}
),

span as (
    select * from {{ ref('int_hospital_data_span') }}
),

stays as (
    select
        coalesce(
            sum(
                {{ dbt.datediff(
                    'stays.admitted_date',
                    "coalesce(stays.discharged_date, cast(" ~ dbt.dateadd('day', 1, 'span.last_day') ~ " as date))",
                    'day',
                ) }}
            ),
            0
        ) as bed_days
    from {{ ref('fct_hospital_stays') }} as stays
    cross join span
)

select
    census.census_nights,
    stays.bed_days
from census
cross join stays
where census.census_nights != stays.bed_days
