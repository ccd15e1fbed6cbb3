{#- One row per referral to another specialty, with whether (and when) a booking used it. -#}
{{
    config(
        unique_key='referral_id',
        tags=['daily'],
        meta={'rebuilds': {'in_window': ['issued_date'], 'within': {'column': 'issued_date'}}},
    )
}}

with referrals as (
    select * from {{ ref('stg_operational__referrals_issued') }}
    where {{ in_window('partition_date') }}
),

final as (
    select
        referral_id,
        encounter_id,
        patient_id,
        to_specialty_id,
        occurred_at as issued_at,
        partition_date as issued_date,
        {{ audit_columns() }}
    from referrals
)

select * from final
