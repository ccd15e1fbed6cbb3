{#- Avoidable admissions (AHRQ PQIs, int_hospital_stays_pqi_flagged) of each polyclinic's attached
    residents, by polyclinic x year x PQI x sex x 5-year age band (ESP 2013 bands): the admissions and the
    attached residents of the measure's ages, so that a reader takes the crude rate per 100,000, the
    age-sex standardised rate (registers.dsr, ESP 2013) and the funnel limits against peer polyclinics
    (registers.funnels) from it.
    - admissions: stays discharged in the year counted in the PQI (by age band at admission);
    - attached_residents: patients attached to the polyclinic (the patients snapshot: its current
      attachment) alive on 1 July of the year (the mid-year population AHRQ's rates take), within the
      measure's ages on that day; the band 15-19 holds ages 18 and 19 only;
    - every band with attached residents of the measure's ages is present (0 admissions where there are
      none); an admission in a band without residents on 1 July (a patient who turned 18 after it) keeps
      its row with 0 residents.
    The numerator's polyclinic is the one the admission names (attached when admitted); a patient who
    moved since counts in the new polyclinic's denominator. -#}
with flagged as (
    select * from {{ ref('int_hospital_stays_pqi_flagged') }}
),

patients as (
    select * from {{ ref('dim_patients') }}
),

measures as (
    select * from {{ ref('pqi_measures') }}
),

span as (
    select * from {{ ref('int_hospital_data_span') }}
),

years as (
    select distinct
        dates.calendar_year as year,  -- noqa: RF04
        cast(
            {{ dbt.concat(["cast(dates.calendar_year as " ~ dbt.type_string() ~ ")", "'-07-01'"]) }} as date
        ) as mid_year
    from {{ ref('dim_dates') }} as dates
    inner join span
        on
            dates.calendar_year >= cast(extract(year from span.first_day) as {{ dbt.type_int() }})
            and dates.calendar_year <= cast(extract(year from span.last_day) as {{ dbt.type_int() }})
),

ages as (
    select
        patients.attached_facility_id,
        years.year,
        patients.sex,
        cast(
            floor({{ dbt.datediff('patients.birth_month', 'years.mid_year', 'month') }} / 12.0)
            as {{ dbt.type_int() }}
        ) as age_years
    from patients
    cross join years
    where
        patients.attached_facility_id is not null
        and patients.birth_month <= years.mid_year
        and (patients.death_date is null or patients.death_date > years.mid_year)
),

-- attached residents counted by single year of age first: the measures' age limits then join a few
-- hundred thousand counts instead of every patient (13 million at Moscow scale) once per measure
residents as (
    select
        attached_facility_id,
        year,
        sex,
        age_years,
        count(*) as attached_residents
    from ages
    group by attached_facility_id, year, sex, age_years
),

population as (
    select
        residents.attached_facility_id,
        residents.year,
        measures.pqi_number,
        residents.sex,
        {{ esp_age_band('residents.age_years') }} as age_band,
        sum(residents.attached_residents) as attached_residents
    from residents
    inner join measures
        on
            residents.age_years >= measures.min_age
            and (measures.max_age is null or residents.age_years <= measures.max_age)
    group by
        residents.attached_facility_id,
        residents.year,
        measures.pqi_number,
        residents.sex,
        {{ esp_age_band('residents.age_years') }}
),

admissions as (
    select
        attached_facility_id,
        discharge_year as year,  -- noqa: RF04
        pqi_number,
        sex,
        age_band,
        count(*) as admissions,
        count(distinct patient_id) as patients
    from flagged
    group by attached_facility_id, discharge_year, pqi_number, sex, age_band
),

cells as (
    select
        attached_facility_id,
        year,
        pqi_number,
        sex,
        age_band
    from population
    union
    select
        attached_facility_id,
        year,
        pqi_number,
        sex,
        age_band
    from admissions
),

final as (
    select
        cells.attached_facility_id as facility_id,
        cells.year,
        cells.pqi_number,
        cells.sex,
        cells.age_band,
        cast(coalesce(admissions.admissions, 0) as {{ dbt.type_bigint() }}) as admissions,
        cast(coalesce(admissions.patients, 0) as {{ dbt.type_bigint() }}) as patients,
        cast(coalesce(population.attached_residents, 0) as {{ dbt.type_bigint() }}) as attached_residents,
        {{ audit_columns() }}
    from cells
    left join population
        on
            cells.attached_facility_id = population.attached_facility_id
            and cells.year = population.year
            and cells.pqi_number = population.pqi_number
            and cells.sex = population.sex
            and cells.age_band = population.age_band
    left join admissions
        on
            cells.attached_facility_id = admissions.attached_facility_id
            and cells.year = admissions.year
            and cells.pqi_number = admissions.pqi_number
            and cells.sex = admissions.sex
            and cells.age_band = admissions.age_band
)

select * from final
