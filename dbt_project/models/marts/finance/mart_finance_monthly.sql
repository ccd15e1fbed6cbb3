{#- Facility x month: expenses by cost category, visits and revenue by funding source (tariff of the
    year, funding source and visit type x visits), cost per visit and cost per attached resident.
    Incremental: a run re-aggregates the months from its window's first on. -#}
{{
    config(
        unique_key='month_start',
        tags=['daily'],
        meta={'rebuilds': {'from_window': {'column': 'month_start', 'grain': 'month'}}},
    )
}}

{%- set categories = ['payroll', 'payroll_taxes', 'drugs_consumables', 'utilities', 'equipment', 'other'] %}
{%- set sources = {'OMS': 'oms', 'budget': 'budget', 'DMS': 'dms', 'paid': 'paid'} %}

with encounters as (
    select * from {{ ref('fct_encounters') }}
),

expenses as (
    select * from {{ ref('stg_operational__facility_expenses') }}
),

tariffs as (
    select * from {{ ref('stg_operational__tariffs') }}
),

patients as (
    select * from {{ ref('dim_patients') }}
),

facilities as (
    select * from {{ ref('dim_facilities') }}
),

priced as (
    select
        encounters.facility_id,
        encounters.encounter_month as month_start,
        encounters.funding_source,
        tariffs.tariff_rub
    from encounters
    left join tariffs
        on
            cast(extract(year from encounters.encounter_date) as integer) = tariffs.year
            and encounters.funding_source = tariffs.funding_source
            and encounters.visit_type = tariffs.visit_type
    where {{ from_window('encounters.encounter_month', 0, 'month') }}
),

visits as (
    select
        facility_id,
        month_start,
        {%- for source, column in sources.items() %}
            cast(sum(case when funding_source = '{{ source }}' then 1 else 0 end) as {{ dbt.type_bigint() }})
                as visits_{{ column }},
            coalesce(sum(case when funding_source = '{{ source }}' then tariff_rub end), 0)
                as revenue_{{ column }}_rub,
        {%- endfor %}
        count(*) as visits,
        coalesce(sum(tariff_rub), 0) as revenue_rub
    from priced
    group by facility_id, month_start
),

spent as (
    select
        facility_id,
        month as month_start,
        {%- for category in categories %}
            coalesce(sum(case when cost_category = '{{ category }}' then amount_rub end), 0)
                as {{ category }}_rub,
        {%- endfor %}
        sum(amount_rub) as expenses_rub
    from expenses
    where {{ from_window('month', 0, 'month') }}
    group by facility_id, month
),

attached as (
    select
        attached_facility_id as facility_id,
        count(*) as attached_residents
    from patients
    where attached_facility_id is not null and not is_dead
    group by attached_facility_id
),

units as (
    select
        facility_id,
        month_start
    from visits
    union
    select
        facility_id,
        month_start
    from spent
),

final as (
    select
        units.facility_id,
        facilities.facility_name,
        facilities.head_facility_id,
        facilities.okrug_id,
        units.month_start,
        coalesce(spent.expenses_rub, 0) as expenses_rub,
        {%- for category in categories %}
            coalesce(spent.{{ category }}_rub, 0) as {{ category }}_rub,
        {%- endfor %}
        coalesce(visits.visits, 0) as visits,
        {%- for column in sources.values() %}
            coalesce(visits.visits_{{ column }}, 0) as visits_{{ column }},
        {%- endfor %}
        coalesce(visits.revenue_rub, 0) as revenue_rub,
        {%- for column in sources.values() %}
            coalesce(visits.revenue_{{ column }}_rub, 0) as revenue_{{ column }}_rub,
        {%- endfor %}
        coalesce(attached.attached_residents, 0) as attached_residents,
        {{ safe_ratio('coalesce(spent.expenses_rub, 0)', 'visits.visits') }} as cost_per_visit_rub,
        {{ safe_ratio('coalesce(spent.expenses_rub, 0)', 'attached.attached_residents') }}
            as cost_per_attached_resident_rub,
        {{ audit_columns() }}
    from units
    inner join facilities on units.facility_id = facilities.facility_id
    left join visits on units.facility_id = visits.facility_id and units.month_start = visits.month_start
    left join spent on units.facility_id = spent.facility_id and units.month_start = spent.month_start
    left join attached on units.facility_id = attached.facility_id
)

select * from final
