{#- Register prevalence: patients alive and on the register at the year's reference date (31 December, or
    the last day with data in a year still in progress) over the residents at the start of that year, by
    register x year x okrug x sex x 5-year age band (ESP 2013 bands). Every cell of the population is
    present, with 0 patients where there are none, so rates and standardisation see the whole population.
    Age is the patient's age at the reference date.
    Incremental by year: a run rebuilds the years from the one before its window on. -#}
{{
    config(
        unique_key='year',
        meta={'rebuilds': {'from_window': {'column': 'reference_date', 'lookback_days': 1, 'grain': 'year'}}},
    )
}}
with members as (
    select * from {{ ref('int_register_memberships_at_year_end') }}
    where {{ from_window('reference_date', 1, 'year') }}
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

counts as (
    select
        register_code,
        year,
        okrug_id,
        sex,
        age_band,
        cast(count(*) as {{ dbt.type_bigint() }}) as registered_patients
    from members
    group by register_code, year, okrug_id, sex, age_band
),

final as (
    select
        registers.register_code,
        population.year,
        years.reference_date,
        years.is_complete_year,
        population.okrug_id,
        population.sex,
        population.age_band,
        coalesce(counts.registered_patients, 0) as registered_patients,
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
