{#- One row per (year, register, patient) alive and on the register at the year's reference date (the end
    of the year, or the last day with data), with the patient's sex, okrug of residence and 5-year age
    band at that date: the numerator of prevalence and the denominator of coverage. -#}
{#- Incremental by year: a day changes memberships from that day on, so a run rebuilds the years from the
    one before its window on (a day's run: the year in progress, whose reference date moves with the
    data). -#}
{{
    config(
        materialized='incremental',
        unique_key=['year', 'register_code', 'patient_id'],
        meta={'rebuilds': {'from_window': {'column': 'reference_date', 'lookback_days': 1, 'grain': 'year'}}},
    )
}}

with memberships as (
    select * from {{ ref('int_register_memberships_derived') }}
),

years as (
    select * from {{ ref('int_register_years_bounded') }}
    where {{ from_window('reference_date', 1, 'year') }}
),

patients as (
    select * from {{ ref('stg_operational__patients') }}
),

districts as (
    select * from {{ ref('stg_operational__districts') }}
),

on_register as (
    select
        years.year,
        years.reference_date,
        memberships.register_code,
        memberships.patient_id,
        memberships.entry_date,
        patients.sex,
        districts.okrug_id,
        cast(
            floor({{ dbt.datediff('patients.birth_month', 'years.reference_date', 'month') }} / 12.0)
            as {{ dbt.type_int() }}
        ) as age_years
    from memberships
    inner join years
        on
            memberships.entry_date <= years.reference_date
            and (memberships.exit_date is null or memberships.exit_date > years.reference_date)
    inner join patients on memberships.patient_id = patients.patient_id
    left join districts on patients.district_id = districts.district_id
    -- alive on the day, whatever the register's exit rules say
    where patients.death_date is null or patients.death_date > years.reference_date
),

final as (
    select
        year,
        reference_date,
        register_code,
        patient_id,
        entry_date,
        sex,
        okrug_id,
        age_years,
        case
            when age_years >= 90 then '90+'
            else {{ dbt.concat([
                "cast(cast(floor(age_years / 5.0) * 5 as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
                "'-'",
                "cast(cast(floor(age_years / 5.0) * 5 + 4 as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
            ]) }}
        end as age_band,
        {{ audit_columns() }}
    from on_register
)

select * from final
