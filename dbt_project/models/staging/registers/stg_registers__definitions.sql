with source as (
    select * from {{ source('registers', 'register_definitions') }}
),

renamed as (
    select
        register_code,
        title_en,
        title_ru,
        icd10_ranges,
        exclusions,
        entry_rule,
        exits_on_death,
        exits_on_deregistration,
        min_age,
        max_age,
        atc_groups,
        target_prevalence_per_100k,
        target_incidence_per_100k_year,
        target_denominator,
        target_is_estimate,
        target_source,
        _loaded_at as loaded_at
    from source
)

select * from renamed
