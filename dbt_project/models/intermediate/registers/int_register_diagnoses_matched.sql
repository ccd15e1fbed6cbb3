{#- Every recorded diagnosis that falls in a register's code set, with what the register rules need:
    the day, the kind of diagnosis, the dispensary action, whether the visit was a dispensary visit, and
    the patient's age in completed years on the day (birth is known to the month).
    Incremental by day: a run rebuilds the diagnoses of its window (a diagnosis and its encounter are of
    one day). -#}
{{
    config(
        materialized='incremental',
        unique_key=['register_code', 'event_id'],
        meta={'rebuilds': {'in_window': ['diagnosed_on'], 'within': {'column': 'diagnosed_on'}}},
    )
}}

with diagnoses as (
    select * from {{ ref('stg_operational__diagnoses_recorded') }}
    where {{ in_window('partition_date') }}
),

code_sets as (
    select * from {{ ref('stg_registers__code_sets') }}
),

encounters as (
    select * from {{ ref('stg_operational__encounters_closed') }}
    where {{ in_window('partition_date') }}
),

patients as (
    select * from {{ ref('stg_operational__patients') }}
),

matched as (
    select
        code_sets.register_code,
        diagnoses.patient_id,
        diagnoses.event_id,
        diagnoses.encounter_id,
        diagnoses.occurred_at,
        cast(diagnoses.occurred_at as date) as diagnosed_on,
        diagnoses.icd10_code,
        diagnoses.diagnosis_kind,
        diagnoses.dispensary_action,
        coalesce(encounters.visit_type = 'dispensary', false) as is_dispensary_visit,
        cast(
            floor(
                {{ dbt.datediff('patients.birth_month', 'cast(diagnoses.occurred_at as date)', 'month') }} / 12.0
            ) as {{ dbt.type_int() }}
        ) as age_years,
        {{ audit_columns() }}
    from diagnoses
    -- codes match on their 3-character category ('E11.9' -> 'E11'), as registers/definitions.py documents
    inner join code_sets on upper(substr(diagnoses.icd10_code, 1, 3)) = code_sets.icd10_category
    inner join patients on diagnoses.patient_id = patients.patient_id
    left join encounters on diagnoses.encounter_id = encounters.encounter_id
)

select * from matched
