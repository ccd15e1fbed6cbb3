{#- Length of stay by hospital x bed profile x month x admission type, over the stays discharged in the
    month (the profile of the department discharged from; deaths and transfers out included, as Rosstat's
    average length of stay counts every discharge). admission_type 'all' holds every stay of the cell.
    - alos_days: average length of stay (discharge date minus admission date, days);
    - median_los_days, p90_los_days: continuous percentiles (interpolated, as numpy's default);
    - share_over_30_days: the share of stays longer than 30 days. -#}
with stays as (
    select * from {{ ref('fct_hospital_stays') }}
    where discharged_date is not null
),

typed as (
    select
        hospital_id,
        discharging_bed_profile as bed_profile,
        cast({{ dbt.date_trunc('month', 'discharged_date') }} as date) as month_start,
        admission_type,
        patient_id,
        length_of_stay_days
    from stays
    union all
    select
        hospital_id,
        discharging_bed_profile as bed_profile,
        cast({{ dbt.date_trunc('month', 'discharged_date') }} as date) as month_start,
        'all' as admission_type,
        patient_id,
        length_of_stay_days
    from stays
),

final as (
    select
        hospital_id,
        bed_profile,
        month_start,
        admission_type,
        cast(count(*) as {{ dbt.type_bigint() }}) as discharges,
        cast(count(distinct patient_id) as {{ dbt.type_bigint() }}) as patients,
        cast(sum(length_of_stay_days) as {{ dbt.type_bigint() }}) as bed_days,
        cast(avg(length_of_stay_days) as {{ type_double() }}) as alos_days,
        cast(percentile_cont(0.5) within group (order by length_of_stay_days) as {{ type_double() }})
            as median_los_days,
        cast(percentile_cont(0.9) within group (order by length_of_stay_days) as {{ type_double() }})
            as p90_los_days,
        {{ safe_ratio('sum(case when length_of_stay_days > 30 then 1 else 0 end)', 'count(*)') }}
            as share_over_30_days,
        {{ audit_columns() }}
    from typed
    group by hospital_id, bed_profile, month_start, admission_type
)

select * from final
