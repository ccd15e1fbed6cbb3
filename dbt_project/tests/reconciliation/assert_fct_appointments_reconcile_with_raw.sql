{#- Every raw.appointment_booked row is one fct_appointments row, and nothing else is.
    Returns the keys found on one side only. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_appointments'}}}) }}

with raw_rows as (
    select appointment_id as row_key from {{ source('operational', 'appointment_booked') }}
),

fact_rows as (
    select appointment_id as row_key from {{ ref('fct_appointments') }}
)

select
    'missing from fct_appointments' as problem,
    raw_rows.row_key
from raw_rows
left join fact_rows on raw_rows.row_key = fact_rows.row_key
where fact_rows.row_key is null
union all
select
    'not in raw.appointment_booked' as problem,
    fact_rows.row_key
from fact_rows
left join raw_rows on fact_rows.row_key = raw_rows.row_key
where raw_rows.row_key is null
