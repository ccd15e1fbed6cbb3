{#- Every raw.encounter_closed row is one fct_encounters row, and nothing else is.
    Returns the keys found on one side only (on a windowed run, of the days from the window's start:
    an event's partition is its day, so both sides cover the same events). -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_encounters'}}}) }}

with raw_rows as (
    select encounter_id as row_key from {{ source('operational', 'encounter_closed') }}
    where {{ changed_in_window('_partition_date') }}
),

fact_rows as (
    select encounter_id as row_key from {{ ref('fct_encounters') }}
    where {{ changed_in_window('encounter_date') }}
)

select
    'missing from fct_encounters' as problem,
    raw_rows.row_key
from raw_rows
left join fact_rows on raw_rows.row_key = fact_rows.row_key
where fact_rows.row_key is null
union all
select
    'not in raw.encounter_closed' as problem,
    fact_rows.row_key
from fact_rows
left join raw_rows on fact_rows.row_key = raw_rows.row_key
where raw_rows.row_key is null
