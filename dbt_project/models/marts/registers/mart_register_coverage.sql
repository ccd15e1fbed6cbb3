{#- Dispensary-observation coverage of the patients on a register at the year's reference date, by
    register x year x okrug x sex x 5-year age band:
    - with_dispensary_visit: had a dispensary visit for the register (a diagnosis of its code set at an
      encounter of visit type dispensary) in the 12 months up to the reference date;
    - with_guideline_prescription: were prescribed a drug of the register's guideline groups (ATC prefixes)
      in those 12 months; null for a register without guideline groups.
    Only cells with patients on the register are present (a share needs a denominator).
    Incremental by year: a day counts in the 12 months up to the reference dates that follow it, so a run
    rebuilds the years from the one before its window on. -#}
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

-- the 12 months before the reference dates of the years rebuilt
matched as (
    select * from {{ ref('int_register_diagnoses_matched') }}
    where {{ from_window('diagnosed_on', 367, 'year') }}
),

prescriptions as (
    select * from {{ ref('stg_operational__prescriptions_issued') }}
    where {{ from_window('partition_date', 367, 'year') }}
),

atc_groups as (
    select * from {{ ref('stg_registers__atc_groups') }}
),

dispensary_visits as (
    select distinct
        register_code,
        patient_id,
        diagnosed_on as visited_on
    from matched
    where is_dispensary_visit
),

-- the drug codes prescribed that fall in a register's guideline groups: the prefix match runs over the few
-- hundred codes, not over every prescription (a join on an expression of both sides is a nested loop)
guideline_codes as (
    select distinct
        atc_groups.register_code,
        codes.atc_code
    from (select distinct atc_code from prescriptions) as codes
    inner join atc_groups
        on substr(codes.atc_code, 1, length(atc_groups.atc_prefix)) = atc_groups.atc_prefix
),

guideline_prescriptions as (
    select distinct
        guideline_codes.register_code,
        prescriptions.patient_id,
        cast(prescriptions.occurred_at as date) as prescribed_on
    from prescriptions
    inner join guideline_codes on prescriptions.atc_code = guideline_codes.atc_code
),

registers_with_drugs as (
    select distinct register_code
    from atc_groups
),

visited as (
    select distinct
        members.year,
        members.register_code,
        members.patient_id
    from members
    inner join dispensary_visits
        on
            members.register_code = dispensary_visits.register_code
            and members.patient_id = dispensary_visits.patient_id
            and members.reference_date >= dispensary_visits.visited_on
            and {{ dbt.dateadd('day', -365, 'members.reference_date') }} < dispensary_visits.visited_on
),

treated as (
    select distinct
        members.year,
        members.register_code,
        members.patient_id
    from members
    inner join guideline_prescriptions
        on
            members.register_code = guideline_prescriptions.register_code
            and members.patient_id = guideline_prescriptions.patient_id
            and members.reference_date >= guideline_prescriptions.prescribed_on
            and {{ dbt.dateadd('day', -365, 'members.reference_date') }} < guideline_prescriptions.prescribed_on
),

flagged as (
    select
        members.register_code,
        members.year,
        members.reference_date,
        members.okrug_id,
        members.sex,
        members.age_band,
        visited.patient_id is not null as has_visit,
        treated.patient_id is not null as has_prescription
    from members
    left join visited
        on
            members.year = visited.year
            and members.register_code = visited.register_code
            and members.patient_id = visited.patient_id
    left join treated
        on
            members.year = treated.year
            and members.register_code = treated.register_code
            and members.patient_id = treated.patient_id
),

final as (
    select
        flagged.register_code,
        flagged.year,
        flagged.reference_date,
        flagged.okrug_id,
        flagged.sex,
        flagged.age_band,
        count(*) as registered_patients,
        cast(sum(case when flagged.has_visit then 1 else 0 end) as {{ dbt.type_bigint() }}) as with_dispensary_visit,
        case
            when max(registers_with_drugs.register_code) is not null
                then cast(sum(case when flagged.has_prescription then 1 else 0 end) as {{ dbt.type_bigint() }})
        end as with_guideline_prescription,
        {{ audit_columns() }}
    from flagged
    left join registers_with_drugs on flagged.register_code = registers_with_drugs.register_code
    group by
        flagged.register_code,
        flagged.year,
        flagged.reference_date,
        flagged.okrug_id,
        flagged.sex,
        flagged.age_band
)

select * from final
