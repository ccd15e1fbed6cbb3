{#- Every raw.appointment_booked row is one fct_appointments row, and nothing else is.
    Returns the keys found on one side only (on a windowed run, of the days from the window's start:
    an event's partition is its day, so both sides cover the same events). -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_appointments'}}}) }}

with raw_rows as (
    select appointment_id as row_key from {{ source('operational', 'appointment_booked') }}
    where {{ changed_in_window('_partition_date') }}
),

fact_rows as (
    select appointment_id as row_key from {{ ref('fct_appointments') }}
    where {{ changed_in_window('booked_date') }}
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
