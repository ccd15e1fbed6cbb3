{#- The days the hospital events cover: from the first day with an admission to the last day with any stay
    event loaded. The census runs to the last day (a stay still open is in a bed every night up to it), and
    the readmission index stays need 30 days of follow-up before it (Tuva's time requirement). -#}
with admissions as (
    select * from {{ ref('stg_hospitals__admissions') }}
),

transfers as (
    select * from {{ ref('stg_hospitals__transfers') }}
),

discharges as (
    select * from {{ ref('stg_hospitals__discharges') }}
),

event_days as (
    select partition_date from admissions
    union all
    select partition_date from transfers
    union all
    select partition_date from discharges
),

final as (
    select
        (select min(admissions.partition_date) from admissions) as first_day,
        max(partition_date) as last_day
    from event_days
)

select * from final
where last_day is not null
