{#- Every raw.referral_issued row is one fct_referrals row, and nothing else is.
    Returns the keys found on one side only (on a windowed run, of the days from the window's start:
    an event's partition is its day, so both sides cover the same events). -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_referrals'}}}) }}

with raw_rows as (
    select referral_id as row_key from {{ source('operational', 'referral_issued') }}
    where {{ changed_in_window('_partition_date') }}
),

fact_rows as (
    select referral_id as row_key from {{ ref('fct_referrals') }}
    where {{ changed_in_window('issued_date') }}
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
