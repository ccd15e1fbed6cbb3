{#- One row per diagnosis written at an encounter (the event id is its key). Incremental by day. -#}
{{
    config(
        unique_key='diagnosis_id',
        tags=['daily'],
        meta={'rebuilds': {'in_window': ['diagnosis_date'], 'within': {'column': 'diagnosis_date'}}},
    )
}}

with diagnoses as (
    select * from {{ ref('stg_operational__diagnoses_recorded') }}
    where {{ in_window('partition_date') }}
),

final as (
    select
        event_id as diagnosis_id,
        encounter_id,
        patient_id,
        icd10_code,
        -- the 3-character category is the grain of the ICD-10 dimension
        substring(icd10_code, 1, 3) as icd10_category,
        is_primary,
        diagnosis_kind,
        dispensary_action,
        occurred_at as recorded_at,
        partition_date as diagnosis_date,
        {{ audit_columns() }}
    from diagnoses
)

select * from final
