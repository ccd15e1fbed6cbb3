{#- Residents known to the system, pseudonymous. The age band is taken on the last day with data, so that
    every target (and every re-run on the same data) gives the same band. -#}
with patients as (
    select * from {{ ref('stg_operational__patients') }}
),

last_day as (
    select max(partition_date) as as_of_date from {{ ref('stg_operational__slots_published') }}
),

aged as (
    select
        patients.*,
        last_day.as_of_date,
        floor(
            {{ dbt.datediff('patients.birth_month', 'coalesce(last_day.as_of_date, patients.birth_month)', 'month') }}
            / 12.0
        ) as age_years
    from patients
    cross join last_day
),

final as (
    select
        patient_id,
        sex,
        birth_month,
        cast(age_years as integer) as age_years,
        case
            when age_years >= 90 then '90+'
            else {{ dbt.concat([
                "cast(cast(floor(age_years / 5) * 5 as integer) as " ~ dbt.type_string() ~ ")",
                "'-'",
                "cast(cast(floor(age_years / 5) * 5 + 4 as integer) as " ~ dbt.type_string() ~ ")",
            ]) }}
        end as age_band,
        as_of_date as age_as_of_date,
        district_id,
        attached_facility_id,
        insurance,
        death_date,
        death_date is not null as is_dead
    from aged
)

select * from final
