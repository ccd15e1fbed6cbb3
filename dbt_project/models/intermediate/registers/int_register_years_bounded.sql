{#- The years the register marts report, each with its reference date: the end of the year, or the last
    day with data for a year still in progress (so a partial year reads "on the register so far", not as
    if nobody remained). Years are those of the population table that have started by the last day. -#}
with population as (
    select * from {{ ref('stg_operational__population') }}
),

encounters as (
    select * from {{ ref('stg_operational__encounters_closed') }}
),

last_day as (
    select max(partition_date) as last_data_date
    from encounters
),

years as (
    select distinct
        population.year,
        cast({{ dbt.concat(["cast(population.year as " ~ dbt.type_string() ~ ")", "'-01-01'"]) }} as date)
            as year_start,
        cast({{ dbt.concat(["cast(population.year as " ~ dbt.type_string() ~ ")", "'-12-31'"]) }} as date)
            as year_end
    from population
),

final as (
    select
        years.year,
        years.year_start,
        years.year_end,
        case
            when last_day.last_data_date < years.year_end then last_day.last_data_date
            else years.year_end
        end as reference_date,
        last_day.last_data_date >= years.year_end as is_complete_year
    from years
    cross join last_day
    where years.year_start <= last_day.last_data_date
)

select * from final
