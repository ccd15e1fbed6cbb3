{#- One row per closed outpatient visit, booked or walk-in. Incremental by day of closing. -#}
{{
    config(
        unique_key='encounter_id',
        tags=['daily'],
        meta={'rebuilds': {'in_window': ['encounter_date'], 'within': {'column': 'encounter_date'}}},
    )
}}

with encounters as (
    select * from {{ ref('stg_operational__encounters_closed') }}
    where {{ in_window('partition_date') }}
),

final as (
    select
        encounter_id,
        appointment_id,
        patient_id,
        doctor_id,
        facility_id,
        specialty_id,
        visit_type,
        funding_source,
        is_walk_in,
        minutes,
        occurred_at as closed_at,
        partition_date as encounter_date,
        cast({{ dbt.date_trunc('week', 'partition_date') }} as date) as encounter_week_start,
        cast({{ dbt.date_trunc('month', 'partition_date') }} as date) as encounter_month,
        cast(extract(hour from occurred_at) as integer) as closed_hour,
        {{ audit_columns() }}
    from encounters
)

select * from final
