{#- One row per stay and AHRQ Prevention Quality Indicator (PQI) it counts in: the avoidable admissions
    of a polyclinic's attached adults. Definitions: AHRQ's PQI technical specifications (ICD-10) as Tuva's
    ahrq_measures mart implements them (int_pqi_<nn>_num / _exclusions / shared_exclusion_*), in WHO
    ICD-10 (seeds pqi_icd10_codes, pqi_measures; what the mapping from ICD-10-CM lost is in
    pqi_icd10cm_without_who_equivalent):
    - numerator: a discharged stay whose principal diagnosis (the discharge's primary diagnosis) is in the
      measure's inclusion value set, the patient within the measure's ages at admission (18+; PQI 05 40+;
      PQI 15 18-39) and attached to a polyclinic when admitted;
    - exclusions: a transfer in from another hospital (AHRQ's shared exclusion), missing sex or age, any
      diagnosis of pregnancy, childbirth or the puerperium (MDC 14), and the measure's own exclusion value
      sets on the primary or the secondary diagnosis. The contract carries one secondary diagnosis where
      AHRQ reads all of them: exclusions that look at any diagnosis (cystic fibrosis and respiratory
      anomalies in PQI 05 and 15, immunocompromised state and sickle cell in PQI 11, kidney and urinary
      tract disorders and immunocompromised state in PQI 12, MDC 14 in all) miss a condition coded third or
      later, so those numerators can be overstated;
    - composites: PQI 90 (every measure), 91 (acute: 11, 12), 92 (chronic: the others) count a stay once,
      whichever of their measures it is in. The year is the year of discharge (as AHRQ's). -#}
with stays as (
    select * from {{ ref('fct_hospital_stays') }}
    where discharged_date is not null and attached_facility_id is not null
),

value_sets as (
    select * from {{ ref('pqi_icd10_codes') }}
),

measures as (
    select * from {{ ref('pqi_measures') }}
),

-- the prefix match runs over the distinct codes in use, not over every stay
codes as (
    select discharge_primary_icd10 as icd10_code from stays
    union
    select discharge_secondary_icd10 as icd10_code from stays
    where discharge_secondary_icd10 is not null
),

matched_codes as (
    select
        codes.icd10_code,
        value_sets.pqi_number,
        value_sets.role
    from codes
    inner join value_sets
        on substr(codes.icd10_code, 1, length(value_sets.icd10_code)) = value_sets.icd10_code
),

included as (
    select
        stays.stay_id,
        matched_codes.pqi_number
    from stays
    inner join matched_codes
        on stays.discharge_primary_icd10 = matched_codes.icd10_code and matched_codes.role = 'inclusion'
),

excluded as (
    select
        stays.stay_id,
        matched_codes.pqi_number
    from stays
    inner join matched_codes
        on
            matched_codes.role = 'exclusion'
            and (
                stays.discharge_primary_icd10 = matched_codes.icd10_code
                or stays.discharge_secondary_icd10 = matched_codes.icd10_code
            )
),

measured as (
    select
        stays.stay_id,
        stays.patient_id,
        stays.attached_facility_id,
        stays.discharged_date,
        stays.sex,
        stays.age_at_admission,
        included.pqi_number,
        measures.composite
    from included
    inner join stays on included.stay_id = stays.stay_id
    inner join measures on included.pqi_number = measures.pqi_number
    where
        stays.admission_source != 'hospital_transfer'
        and stays.sex is not null
        and stays.age_at_admission >= measures.min_age
        and (measures.max_age is null or stays.age_at_admission <= measures.max_age)
        and not exists (
            select 1 from excluded
            where
                excluded.stay_id = included.stay_id
                and (excluded.pqi_number = included.pqi_number or excluded.pqi_number = 'all')
        )
),

with_composites as (
    select
        stay_id,
        patient_id,
        attached_facility_id,
        discharged_date,
        sex,
        age_at_admission,
        pqi_number
    from measured
    union all
    select distinct
        stay_id,
        patient_id,
        attached_facility_id,
        discharged_date,
        sex,
        age_at_admission,
        case composite when 'acute' then '91' else '92' end as pqi_number
    from measured
    union all
    select distinct
        stay_id,
        patient_id,
        attached_facility_id,
        discharged_date,
        sex,
        age_at_admission,
        '90' as pqi_number
    from measured
),

final as (
    select
        *,
        cast(extract(year from discharged_date) as {{ dbt.type_int() }}) as discharge_year,
        {{ esp_age_band('age_at_admission') }} as age_band
    from with_composites
)

select * from final
