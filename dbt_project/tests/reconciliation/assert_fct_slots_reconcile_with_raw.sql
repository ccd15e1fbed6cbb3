{#- Every raw.slot_published row is one fct_slots row, and nothing else is.
    Returns the keys found on one side only (on a windowed run, of the days from the window's start:
    an event's partition is its day, so both sides cover the same events). -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_slots'}}}) }}

with raw_rows as (
    select slot_id as row_key from {{ source('operational', 'slot_published') }}
    where {{ changed_in_window('_partition_date') }}
),

fact_rows as (
    select slot_id as row_key from {{ ref('fct_slots') }}
    where {{ changed_in_window('published_date') }}
)

select
    'missing from fct_slots' as problem,
    raw_rows.row_key
from raw_rows
left join fact_rows on raw_rows.row_key = fact_rows.row_key
where fact_rows.row_key is null
union all
select
    'not in raw.slot_published' as problem,
    fact_rows.row_key
from fact_rows
left join raw_rows on fact_rows.row_key = raw_rows.row_key
where raw_rows.row_key is null
