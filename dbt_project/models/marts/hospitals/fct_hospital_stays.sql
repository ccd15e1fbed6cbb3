{#- One row per hospital stay (admission to discharge), with what the marts of occupancy, length of stay,
    readmissions, avoidable admissions and planned care read:
    - length_of_stay_days: discharge date minus admission date (a stay admitted and discharged the same day
      has 0; Rosstat's and the OECD's count of bed-days); null while the patient is in hospital;
    - the admitting and discharging department and their bed profile on the day (departments are dated);
    - the referral that led to a planned admission and when it was issued;
    - sex and age in whole years at admission (from the month of birth), the polyclinic the patient was
      attached to when admitted (from the admission event: the population it counts against). -#}
with admissions as (
    select * from {{ ref('stg_hospitals__admissions') }}
),

discharges as (
    select * from {{ ref('stg_hospitals__discharges') }}
),

segments as (
    select * from {{ ref('int_hospital_stay_segments') }}
),

departments as (
    select * from {{ ref('stg_hospitals__departments') }}
),

referrals as (
    select * from {{ ref('fct_referrals') }}
),

patients as (
    select * from {{ ref('dim_patients') }}
),

last_segments as (
    select
        stay_id,
        department_id,
        segment_number as transfers
    from segments
    where is_last_segment
),

stays as (
    select
        admissions.stay_id,
        admissions.patient_id,
        admissions.hospital_id,
        admissions.occurred_at as admitted_at,
        cast(admissions.occurred_at as date) as admitted_date,
        discharges.occurred_at as discharged_at,
        cast(discharges.occurred_at as date) as discharged_date,
        admissions.admission_type,
        admissions.admission_source,
        admissions.referral_id,
        admissions.department_id as admitting_department_id,
        last_segments.department_id as discharging_department_id,
        last_segments.transfers,
        admissions.primary_icd10 as admission_icd10,
        discharges.primary_icd10 as discharge_primary_icd10,
        discharges.secondary_icd10 as discharge_secondary_icd10,
        discharges.discharge_outcome,
        admissions.attached_facility_id
    from admissions
    left join discharges on admissions.stay_id = discharges.stay_id
    left join last_segments on admissions.stay_id = last_segments.stay_id
),

final as (
    select
        stays.stay_id,
        stays.patient_id,
        stays.hospital_id,
        stays.admitted_at,
        stays.admitted_date,
        stays.discharged_at,
        stays.discharged_date,
        stays.discharged_at is null as is_in_hospital,
        {{ dbt.datediff('stays.admitted_date', 'stays.discharged_date', 'day') }} as length_of_stay_days,
        stays.admission_type,
        stays.admission_source,
        stays.referral_id,
        referrals.issued_at as referral_issued_at,
        stays.admitting_department_id,
        admitting.bed_profile as admitting_bed_profile,
        stays.discharging_department_id,
        case when stays.discharged_at is not null then discharging.bed_profile end as discharging_bed_profile,
        stays.transfers,
        stays.admission_icd10,
        stays.discharge_primary_icd10,
        stays.discharge_secondary_icd10,
        stays.discharge_outcome,
        stays.attached_facility_id,
        patients.sex,
        cast(
            floor({{ dbt.datediff('patients.birth_month', 'stays.admitted_date', 'month') }} / 12.0)
            as {{ dbt.type_int() }}
        ) as age_at_admission,
        {{ audit_columns() }}
    from stays
    left join departments as admitting
        on
            stays.admitting_department_id = admitting.department_id
            and stays.admitted_date >= admitting.valid_from
            and (admitting.valid_to is null or stays.admitted_date <= admitting.valid_to)
    left join departments as discharging
        on
            stays.discharging_department_id = discharging.department_id
            and discharging.valid_from <= coalesce(stays.discharged_date, stays.admitted_date)
            and (
                discharging.valid_to is null
                or discharging.valid_to >= coalesce(stays.discharged_date, stays.admitted_date)
            )
    left join referrals on stays.referral_id = referrals.referral_id
    left join patients on stays.patient_id = patients.patient_id
)

select * from final
