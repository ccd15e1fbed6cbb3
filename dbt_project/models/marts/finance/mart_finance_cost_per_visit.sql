{#- Facility x month x specialty: the cost of a visit for managerial accounting.
    Direct costs (payroll, payroll taxes, drugs and consumables) are shared by doctor-minutes; overhead
    (utilities, equipment, other) by the share of visits. Cost per visit = (direct + overhead) / visits.
    Incremental: a run re-aggregates the months from its window's first on. -#}
{{
    config(
        unique_key='month_start',
        tags=['daily'],
        meta={'rebuilds': {'from_window': {'column': 'month_start', 'grain': 'month'}}},
    )
}}

with encounters as (
    select * from {{ ref('fct_encounters') }}
),

expenses as (
    select * from {{ ref('stg_operational__facility_expenses') }}
),

by_specialty as (
    select
        facility_id,
        encounter_month as month_start,
        specialty_id,
        count(*) as visits,
        sum(minutes) as doctor_minutes
    from encounters
    where {{ from_window('encounter_month', 0, 'month') }}
    group by facility_id, encounter_month, specialty_id
),

pools as (
    select
        facility_id,
        month as month_start,
        sum(
            case when cost_category in ('payroll', 'payroll_taxes', 'drugs_consumables') then amount_rub else 0 end
        ) as direct_cost_rub,
        sum(
            case when cost_category in ('utilities', 'equipment', 'other') then amount_rub else 0 end
        ) as overhead_rub
    from expenses
    where {{ from_window('month', 0, 'month') }}
    group by facility_id, month
),

shares as (
    select
        by_specialty.*,
        {{ safe_ratio(
            'by_specialty.doctor_minutes',
            'sum(by_specialty.doctor_minutes) over (partition by by_specialty.facility_id, by_specialty.month_start)',
        ) }} as minutes_share,
        {{ safe_ratio(
            'by_specialty.visits',
            'sum(by_specialty.visits) over (partition by by_specialty.facility_id, by_specialty.month_start)',
        ) }} as visits_share
    from by_specialty
),

final as (
    select
        shares.facility_id,
        shares.month_start,
        shares.specialty_id,
        shares.visits,
        shares.doctor_minutes,
        shares.minutes_share,
        shares.visits_share,
        coalesce(pools.direct_cost_rub, 0) * shares.minutes_share as direct_cost_rub,
        coalesce(pools.overhead_rub, 0) * shares.visits_share as overhead_rub,
        {{ safe_ratio(
            'coalesce(pools.direct_cost_rub, 0) * shares.minutes_share + coalesce(pools.overhead_rub, 0) * shares.visits_share',
            'shares.visits',
        ) }} as cost_per_visit_rub,
        {{ audit_columns() }}
    from shares
    left join pools on shares.facility_id = pools.facility_id and shares.month_start = pools.month_start
)

select * from final
