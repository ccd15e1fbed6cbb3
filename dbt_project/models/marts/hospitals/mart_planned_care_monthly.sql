{#- Planned care around a stay, by the polyclinic of the patient's attachment x month:
    - referral to admission (int_hospital_referral_waits_measured), by month of admission: planned
      admissions by a referral, their median wait in working days and the share admitted within the
      standard (14 working days; 7 for oncology);
    - follow-up after a discharge home (int_hospital_discharges_followed_up), by month of discharge:
      discharges home, those with an outpatient visit within 7 days, those with a follow-up booking linked
      by the polyclinic. -#}
with waits as (
    select * from {{ ref('int_hospital_referral_waits_measured') }}
    where attached_facility_id is not null
),

follow_ups as (
    select * from {{ ref('int_hospital_discharges_followed_up') }}
    where attached_facility_id is not null
),

wait_months as (
    select
        attached_facility_id as facility_id,
        cast({{ dbt.date_trunc('month', 'admitted_date') }} as date) as month_start,
        count(*) as referred_admissions,
        sum(case when is_within_standard then 1 else 0 end) as admitted_within_standard,
        percentile_cont(0.5) within group (order by wait_working_days) as median_wait_working_days
    from waits
    group by 1, 2
),

follow_up_months as (
    select
        attached_facility_id as facility_id,
        cast({{ dbt.date_trunc('month', 'discharged_date') }} as date) as month_start,
        count(*) as discharges_home,
        sum(case when is_followed_up_within_7_days then 1 else 0 end) as followed_up_within_7_days,
        sum(case when follow_up_appointment_id is not null then 1 else 0 end) as follow_ups_booked,
        sum(case when is_linked_follow_up_attended then 1 else 0 end) as booked_follow_ups_attended
    from follow_ups
    group by 1, 2
),

cells as (
    select
        facility_id,
        month_start
    from wait_months
    union
    select
        facility_id,
        month_start
    from follow_up_months
),

final as (
    select
        cells.facility_id,
        cells.month_start,
        cast(coalesce(wait_months.referred_admissions, 0) as {{ dbt.type_bigint() }}) as referred_admissions,
        cast(coalesce(wait_months.admitted_within_standard, 0) as {{ dbt.type_bigint() }})
            as admitted_within_standard,
        cast(wait_months.median_wait_working_days as {{ type_double() }}) as median_wait_working_days,
        {{ safe_ratio('wait_months.admitted_within_standard', 'wait_months.referred_admissions') }}
            as share_within_standard,
        cast(coalesce(follow_up_months.discharges_home, 0) as {{ dbt.type_bigint() }}) as discharges_home,
        cast(coalesce(follow_up_months.followed_up_within_7_days, 0) as {{ dbt.type_bigint() }})
            as followed_up_within_7_days,
        cast(coalesce(follow_up_months.follow_ups_booked, 0) as {{ dbt.type_bigint() }}) as follow_ups_booked,
        cast(coalesce(follow_up_months.booked_follow_ups_attended, 0) as {{ dbt.type_bigint() }})
            as booked_follow_ups_attended,
        {{ safe_ratio('follow_up_months.followed_up_within_7_days', 'follow_up_months.discharges_home') }}
            as share_followed_up_within_7_days,
        {{ audit_columns() }}
    from cells
    left join wait_months
        on cells.facility_id = wait_months.facility_id and cells.month_start = wait_months.month_start
    left join follow_up_months
        on cells.facility_id = follow_up_months.facility_id and cells.month_start = follow_up_months.month_start
)

select * from final
