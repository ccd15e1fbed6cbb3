{#- One row per referral to another specialty, with whether (and when) a booking used it. -#}
{{
    config(
        materialized='incremental',
        unique_key='referral_id',
        tags=['daily'],
        meta={'test_window': {'column': 'issued_date', 'lookback_days': 0}},
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
        partition_date as issued_date
    from referrals
)

select * from final
