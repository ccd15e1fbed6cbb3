{#- The disease registers as defined in their YAML files, one row each: what readers filter, label and
    compare against (age limits, guideline drug groups, the calibration target). -#}
with definitions as (
    select * from {{ ref('stg_registers__definitions') }}
),

code_sets as (
    select * from {{ ref('stg_registers__code_sets') }}
),

categories as (
    select
        register_code,
        count(*) as icd10_categories
    from code_sets
    group by register_code
),

final as (
    select
        definitions.register_code,
        definitions.title_en,
        definitions.title_ru,
        definitions.icd10_ranges,
        definitions.exclusions,
        coalesce(categories.icd10_categories, 0) as icd10_categories,
        definitions.entry_rule,
        definitions.exits_on_death,
        definitions.exits_on_deregistration,
        definitions.min_age,
        definitions.max_age,
        definitions.atc_groups,
        definitions.target_prevalence_per_100k,
        definitions.target_incidence_per_100k_year,
        definitions.target_denominator,
        definitions.target_is_estimate,
        definitions.target_source,
        {{ audit_columns() }}
    from definitions
    left join categories on definitions.register_code = categories.register_code
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
