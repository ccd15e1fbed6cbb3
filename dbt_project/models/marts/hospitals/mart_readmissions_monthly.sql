{#- 30-day all-cause unplanned readmissions by hospital x bed profile x month of the index discharge
    (fct_hospital_readmissions holds the definitions): index stays, those readmitted unplanned within 30
    days (to any hospital), the planned readmissions set aside, and the rate. Only index stays count;
    months whose last 30 days are not yet seen have none (Tuva's time requirement). -#}
with readmissions as (
    select * from {{ ref('fct_hospital_readmissions') }}
    where is_index_stay
),

final as (
    select
        hospital_id,
        bed_profile,
        discharge_month,
        cast(count(*) as {{ dbt.type_bigint() }}) as index_stays,
        cast(count(distinct patient_id) as {{ dbt.type_bigint() }}) as patients,
        cast(sum(case when is_unplanned_readmission_30d then 1 else 0 end) as {{ dbt.type_bigint() }})
            as unplanned_readmissions_30d,
        cast(sum(case when is_planned_readmission_30d then 1 else 0 end) as {{ dbt.type_bigint() }})
            as planned_readmissions_30d,
        {{ safe_ratio('sum(case when is_unplanned_readmission_30d then 1 else 0 end)', 'count(*)') }}
            as readmission_rate,
        {{ audit_columns() }}
    from readmissions
    group by hospital_id, bed_profile, discharge_month
)

select * from final
