{#- 30-day all-cause unplanned readmissions by hospital x bed profile x month of discharge
    (fct_hospital_readmissions holds the definitions): the stays discharged, the index stays among them,
    those readmitted unplanned within 30 days (to any hospital), the planned readmissions set aside, and the
    rate over the index stays. A stay discharged fewer than 30 days before the last day of data is not yet
    an index stay (Tuva's time requirement): the latest month shows its discharges with few or no index
    stays. -#}
with readmissions as (
    select * from {{ ref('fct_hospital_readmissions') }}
    where discharged_date is not null
),

final as (
    select
        hospital_id,
        bed_profile,
        discharge_month,
        cast(count(*) as {{ dbt.type_bigint() }}) as discharges,
        cast(sum(case when is_index_stay then 1 else 0 end) as {{ dbt.type_bigint() }}) as index_stays,
        cast(count(distinct case when is_index_stay then patient_id end) as {{ dbt.type_bigint() }})
            as patients,
        cast(sum(case when is_unplanned_readmission_30d then 1 else 0 end) as {{ dbt.type_bigint() }})
            as unplanned_readmissions_30d,
        cast(
            sum(case when is_index_stay and is_planned_readmission_30d then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as planned_readmissions_30d,
        {{ safe_ratio(
            'sum(case when is_unplanned_readmission_30d then 1 else 0 end)',
            'sum(case when is_index_stay then 1 else 0 end)',
        ) }} as readmission_rate,
        {{ audit_columns() }}
    from readmissions
    group by hospital_id, bed_profile, discharge_month
)

select * from final
