{#- 30-day all-cause readmissions: one row per stay, whether it is an index stay and whether it was followed
    by an unplanned readmission within 30 days. Definitions after CMS's hospital-wide readmission measure
    (HWR) as Tuva's readmissions mart implements it (models/data_marts/readmissions: index_admission,
    index_discharge_requirement, index_time_requirement, readmission_summary):
    - an index stay is discharged alive, not to another acute hospital (a stay that ends in a transfer is
      continued by the receiving hospital's stay, whose discharge is then the index), the patient 18 or
      over at admission (CMS's all-payer version; its Medicare version takes 65+), not for medical
      treatment of cancer (discharge diagnosis C00-C97), a primary psychiatric diagnosis (F00-F99) or
      rehabilitation (Z50), and discharged at least 30 days before the last day of data (Tuva's time
      requirement: its 30 days are all seen). exclusion_reason names the first that fails;
    - the readmission is the patient's next admission (to any hospital) on or after the discharge, admitted
      within 30 days of the discharge date. As CMS counts it, only that first admission is looked at: when
      it is planned, the index stay has no readmission, whatever follows;
    - planned: the project's simplification of CMS's planned readmission algorithm (which reads procedure
      and diagnosis categories the contract does not carry): an admission whose admission_type is planned
      (by a polyclinic's referral) is planned; every emergency admission is unplanned. -#}
with stays as (
    select * from {{ ref('fct_hospital_stays') }}
),

span as (
    select * from {{ ref('int_hospital_data_span') }}
),

sequenced as (
    select
        stay_id,
        patient_id,
        admitted_at,
        lead(stay_id) over (partition by patient_id order by admitted_at, stay_id) as next_stay_id
    from stays
),

paired as (
    select
        stays.*,
        next_stays.stay_id as next_stay_id,
        next_stays.hospital_id as next_hospital_id,
        next_stays.admitted_at as next_admitted_at,
        next_stays.admission_type as next_admission_type,
        {{ dbt.datediff('stays.discharged_date', 'next_stays.admitted_date', 'day') }} as days_to_next_admission
    from stays
    inner join sequenced on stays.stay_id = sequenced.stay_id
    left join stays as next_stays
        on
            sequenced.next_stay_id = next_stays.stay_id
            and stays.discharged_at <= next_stays.admitted_at
),

flagged as (
    select
        paired.*,
        case
            when paired.discharged_at is null then 'in_hospital'
            when paired.discharge_outcome = 'died' then 'died'
            when paired.discharge_outcome = 'other_hospital' then 'transferred_to_other_hospital'
            when paired.age_at_admission < 18 then 'under_18'
            when substr(paired.discharge_primary_icd10, 1, 1) = 'C' then 'cancer_treatment'
            when substr(paired.discharge_primary_icd10, 1, 1) = 'F' then 'psychiatric'
            when substr(paired.discharge_primary_icd10, 1, 3) = 'Z50' then 'rehabilitation'
            when
                paired.discharged_date > {{ dbt.dateadd('day', -30, 'span.last_day') }}
                then 'under_30_days_of_follow_up'
        end as exclusion_reason,
        coalesce(paired.days_to_next_admission <= 30, false) as is_followed_within_30_days
    from paired
    cross join span
),

final as (
    select
        stay_id,
        patient_id,
        hospital_id,
        discharging_bed_profile as bed_profile,
        admission_type,
        discharged_date,
        cast({{ dbt.date_trunc('month', 'discharged_date') }} as date) as discharge_month,
        discharge_outcome,
        exclusion_reason,
        exclusion_reason is null as is_index_stay,
        case when is_followed_within_30_days then next_stay_id end as readmission_stay_id,
        case when is_followed_within_30_days then next_hospital_id end as readmission_hospital_id,
        case when is_followed_within_30_days then days_to_next_admission end as days_to_readmission,
        is_followed_within_30_days and next_admission_type = 'planned' as is_planned_readmission_30d,
        exclusion_reason is null and is_followed_within_30_days and next_admission_type = 'emergency'
            as is_unplanned_readmission_30d,
        {{ audit_columns() }}
    from flagged
)

select * from final
