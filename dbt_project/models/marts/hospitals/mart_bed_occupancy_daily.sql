{#- Bed occupancy by hospital x bed profile x day, from the midnight census.

    The midnight census of day D counts the patients in a bed at the midnight that ends D (24:00): admitted
    on or before D and not yet discharged on D. It counts against the department (and that department's
    bed profile on D) the patient entered last on or before D: a transfer on D moves that night to the new
    department. A stay admitted and discharged on the same day is in no census; summed over its days a
    stay's census is its length of stay in days (its bed-days). A stay still open is in the census of every
    day up to the last day of data.
    - beds: the staffed beds of the profile's departments valid on D (hospital_departments is dated);
    - occupancy_pct: census / beds x 100 (over 100 when the census exceeds the staffed beds);
    - admissions: stays admitted on D to a department of the profile; discharges: stays discharged on D from
      one (deaths and transfers to another hospital included);
    - bed_turnover: discharges per staffed bed on D (the monthly roll-up sums it to the month's turnover).
    Every hospital x profile x day with staffed beds is present, with 0 where nobody was in. -#}
with segments as (
    select * from {{ ref('int_hospital_stay_segments') }}
),

department_days as (
    select * from {{ ref('int_hospital_department_days') }}
),

stays as (
    select * from {{ ref('fct_hospital_stays') }}
),

span as (
    select * from {{ ref('int_hospital_data_span') }}
),

census_nights as (
    select
        department_days.hospital_id,
        department_days.bed_profile,
        department_days.date_day,
        count(*) as midnight_census
    from segments
    cross join span
    inner join department_days
        on
            segments.department_id = department_days.department_id
            and segments.nights_from <= department_days.date_day
            and department_days.date_day <= coalesce(segments.nights_to, span.last_day)
    group by department_days.hospital_id, department_days.bed_profile, department_days.date_day
),

beds as (
    select
        hospital_id,
        bed_profile,
        date_day,
        sum(beds) as beds
    from department_days
    group by hospital_id, bed_profile, date_day
),

admitted as (
    select
        hospital_id,
        admitting_bed_profile as bed_profile,
        admitted_date as date_day,
        count(*) as admissions,
        sum(case when admission_type = 'emergency' then 1 else 0 end) as emergency_admissions
    from stays
    group by hospital_id, admitting_bed_profile, admitted_date
),

discharged as (
    select
        hospital_id,
        discharging_bed_profile as bed_profile,
        discharged_date as date_day,
        count(*) as discharges,
        sum(case when discharge_outcome = 'died' then 1 else 0 end) as deaths
    from stays
    where discharged_date is not null
    group by hospital_id, discharging_bed_profile, discharged_date
),

final as (
    select
        beds.hospital_id,
        beds.bed_profile,
        beds.date_day,
        cast({{ dbt.date_trunc('month', 'beds.date_day') }} as date) as month_start,
        beds.beds,
        cast(coalesce(census_nights.midnight_census, 0) as {{ dbt.type_bigint() }}) as midnight_census,
        {{ safe_ratio('100 * coalesce(census_nights.midnight_census, 0)', 'beds.beds') }} as occupancy_pct,
        cast(coalesce(admitted.admissions, 0) as {{ dbt.type_bigint() }}) as admissions,
        cast(coalesce(admitted.emergency_admissions, 0) as {{ dbt.type_bigint() }}) as emergency_admissions,
        cast(coalesce(discharged.discharges, 0) as {{ dbt.type_bigint() }}) as discharges,
        cast(coalesce(discharged.deaths, 0) as {{ dbt.type_bigint() }}) as deaths,
        {{ safe_ratio('coalesce(discharged.discharges, 0)', 'beds.beds') }} as bed_turnover,
        {{ audit_columns() }}
    from beds
    left join census_nights
        on
            beds.hospital_id = census_nights.hospital_id
            and beds.bed_profile = census_nights.bed_profile
            and beds.date_day = census_nights.date_day
    left join admitted
        on
            beds.hospital_id = admitted.hospital_id
            and beds.bed_profile = admitted.bed_profile
            and beds.date_day = admitted.date_day
    left join discharged
        on
            beds.hospital_id = discharged.hospital_id
            and beds.bed_profile = discharged.bed_profile
            and beds.date_day = discharged.date_day
)

select * from final
