{#- Register incidence: entries to the register in each year (entry date between 1 January and the year's
    reference date), by register x year x okrug x sex x 5-year age band at entry, over the residents at the
    start of the year.
    - new_registrations: every entry, including patients diagnosed before who were first seen this year
      (in the first year of data that is the whole prevalent register);
    - new_cases: entries whose qualifying diagnosis was recorded as first-time: the incidence numerator.
    Incremental by year: a run rebuilds the years from the one before its window on. -#}
{{
    config(
        unique_key='year',
        meta={'rebuilds': {'from_window': {'column': 'reference_date', 'lookback_days': 1, 'grain': 'year'}}},
    )
}}
with memberships as (
    select * from {{ ref('fct_register_memberships') }}
    where {{ from_window('entry_date', 1, 'year') }}
),

population as (
    select * from {{ ref('int_register_populations_summed') }}
),

years as (
    select * from {{ ref('int_register_years_bounded') }}
    where {{ from_window('reference_date', 1, 'year') }}
),

registers as (
    select * from {{ ref('stg_registers__definitions') }}
),

entries as (
    select
        memberships.register_code,
        years.year,
        memberships.okrug_id,
        memberships.sex,
        memberships.is_new_case,
        case
            when memberships.entry_age_years >= 90 then '90+'
            else {{ dbt.concat([
                "cast(cast(floor(memberships.entry_age_years / 5.0) * 5 as " ~ dbt.type_int() ~ ") as "
                    ~ dbt.type_string() ~ ")",
                "'-'",
                "cast(cast(floor(memberships.entry_age_years / 5.0) * 5 + 4 as " ~ dbt.type_int() ~ ") as "
                    ~ dbt.type_string() ~ ")",
            ]) }}
        end as age_band
    from memberships
    inner join years
        on memberships.entry_date between years.year_start and years.reference_date
),

counts as (
    select
        register_code,
        year,
        okrug_id,
        sex,
        age_band,
        cast(count(*) as {{ dbt.type_bigint() }}) as new_registrations,
        cast(sum(case when is_new_case then 1 else 0 end) as {{ dbt.type_bigint() }}) as new_cases
    from entries
    group by register_code, year, okrug_id, sex, age_band
),

final as (
    select
        registers.register_code,
        population.year,
        years.year_start,
        years.reference_date,
        years.is_complete_year,
        population.okrug_id,
        population.sex,
        population.age_band,
        coalesce(counts.new_registrations, 0) as new_registrations,
        coalesce(counts.new_cases, 0) as new_cases,
        population.population,
        {{ audit_columns() }}
    from population
    inner join years on population.year = years.year
    cross join registers
    left join counts
        on
            registers.register_code = counts.register_code
            and population.year = counts.year
            and population.okrug_id = counts.okrug_id
            and population.sex = counts.sex
            and population.age_band = counts.age_band
)

select * from final
