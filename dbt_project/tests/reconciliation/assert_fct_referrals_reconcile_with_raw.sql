{#- Every raw.referral_issued row is one fct_referrals row, and nothing else is.
    Returns the keys found on one side only. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_referrals'}}}) }}

with raw_rows as (
    select referral_id as row_key from {{ source('operational', 'referral_issued') }}
),

fact_rows as (
    select referral_id as row_key from {{ ref('fct_referrals') }}
)

select
    'missing from fct_referrals' as problem,
    raw_rows.row_key
from raw_rows
left join fact_rows on raw_rows.row_key = fact_rows.row_key
where fact_rows.row_key is null
union all
select
    'not in raw.referral_issued' as problem,
    fact_rows.row_key
from fact_rows
left join raw_rows on fact_rows.row_key = raw_rows.row_key
where raw_rows.row_key is null
