{#- Residents at the start of each year by okrug, sex and 5-year age band: the denominators of the
    register marts, summed up from districts. -#}
with population as (
    select * from {{ ref('stg_operational__population') }}
),

districts as (
    select * from {{ ref('stg_operational__districts') }}
),

final as (
    select
        population.year,
        districts.okrug_id,
        population.sex,
        population.age_band,
        cast(sum(population.population) as {{ dbt.type_bigint() }}) as population
    from population
    inner join districts on population.district_id = districts.district_id
    group by population.year, districts.okrug_id, population.sex, population.age_band
)

select * from final
