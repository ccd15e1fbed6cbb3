{#- ATC therapeutic group (level 2) x okrug of the prescribing facility x month of issue: prescriptions,
    patients, beneficiaries by benefit category, the share dispensed and the days from issue to dispensing.
    Incremental: a run re-aggregates the months from its window's first on, and the months of issue of the
    prescriptions rewritten since it was last built (a dispensing completes a prescription of an earlier
    month). -#}
{{
    config(
        unique_key='month_start',
        tags=['daily'],
        meta={'rebuilds': {'from_window': {'column': 'month_start', 'grain': 'month'}}},
    )
}}

with prescriptions as (
    select * from {{ ref('fct_prescriptions') }}
),

drugs as (
    select * from {{ ref('dim_atc') }}
),

facilities as (
    select * from {{ ref('dim_facilities') }}
),

changed_months as ( -- noqa: ST03
    select distinct issued_month as month_start from prescriptions
    where {{ built_since_this() }}
),

described as (
    select
        prescriptions.*,
        drugs.atc2_code as atc_group,
        drugs.atc2_name as atc_group_name,
        facilities.okrug_id
    from prescriptions
    left join drugs on prescriptions.atc_code = drugs.atc_code
    left join facilities on prescriptions.facility_id = facilities.facility_id
    where
        {{ from_window('prescriptions.issued_month', 0, 'month') }}
        or prescriptions.issued_month in (select changed_months.month_start from changed_months)
),

final as (
    select
        atc_group,
        max(atc_group_name) as atc_group_name,
        okrug_id,
        issued_month as month_start,
        count(*) as prescriptions,
        count(distinct patient_id) as patients,
        count(distinct case when is_beneficiary then patient_id end) as beneficiaries,
        count(distinct case when benefit_category = 'federal' then patient_id end) as beneficiaries_federal,
        count(distinct case when benefit_category = 'regional' then patient_id end) as beneficiaries_regional,
        count(distinct case when benefit_category = 'high_cost_nosology' then patient_id end)
            as beneficiaries_high_cost_nosology,
        cast(sum(case when is_beneficiary then 1 else 0 end) as {{ dbt.type_bigint() }}) as prescriptions_beneficiary,
        cast(sum(case when is_dispensed then 1 else 0 end) as {{ dbt.type_bigint() }}) as prescriptions_dispensed,
        {{ safe_ratio('sum(case when is_dispensed then 1 else 0 end)', 'count(*)') }} as dispensed_share,
        avg(cast(days_to_dispensing as {{ type_double() }})) as mean_days_to_dispensing,
        percentile_cont(0.5) within group (order by days_to_dispensing) as median_days_to_dispensing,
        {{ audit_columns() }}
    from described
    group by atc_group, okrug_id, issued_month
)

select * from final
