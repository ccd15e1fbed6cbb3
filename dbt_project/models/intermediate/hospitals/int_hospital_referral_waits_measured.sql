{#- One row per planned admission that a polyclinic's referral led to: the wait from the referral to the
    admission in working days of Russia's production calendar (the working days after the day of issue up
    to and including the day of admission), against the standard of the federal programme of state
    guarantees: at most 14 working days, 7 for oncology (the admitting department's bed profile is
    oncology, or the admission diagnosis a malignant neoplasm, C00-C97). -#}
with stays as (
    select * from {{ ref('fct_hospital_stays') }}
    where admission_type = 'planned' and referral_issued_at is not null
),

dates as (
    select * from {{ ref('dim_dates') }}
),

final as (
    select
        stays.stay_id,
        stays.patient_id,
        stays.hospital_id,
        stays.admitting_bed_profile as bed_profile,
        stays.attached_facility_id,
        stays.referral_id,
        stays.referral_issued_at,
        stays.admitted_at,
        stays.admitted_date,
        admitted_day.working_day_number - issued_day.working_day_number as wait_working_days,
        {{ dbt.datediff('cast(stays.referral_issued_at as date)', 'stays.admitted_date', 'day') }} as wait_days,
        case
            when stays.admitting_bed_profile = 'oncology' or substr(stays.admission_icd10, 1, 1) = 'C' then 7
            else 14
        end as standard_working_days
    from stays
    inner join dates as issued_day on cast(stays.referral_issued_at as date) = issued_day.date_day
    inner join dates as admitted_day on stays.admitted_date = admitted_day.date_day
)

select
    *,
    wait_working_days <= standard_working_days as is_within_standard
from final
