{#- Hospital admissions of register patients, by register x year x okrug x dispensary coverage: the patients
    on a register at the year's reference date (int_register_memberships_at_year_end: alive and on the
    register then) and their admissions to hospital in the year up to that date, all causes, so that a
    reader takes admissions per 1,000 register patients for the patients under dispensary observation
    (a dispensary visit for the register in the 12 months up to the reference date, as
    mart_register_coverage counts it) and for those without. A patient who died in hospital is no longer
    on the register at the reference date and is not counted. -#}
with members as (
    select * from {{ ref('int_register_memberships_at_year_end') }}
),

matched as (
    select * from {{ ref('int_register_diagnoses_matched') }}
    where is_dispensary_visit
),

stays as (
    select * from {{ ref('fct_hospital_stays') }}
),

visited as (
    select distinct
        members.year,
        members.register_code,
        members.patient_id
    from members
    inner join matched
        on
            members.register_code = matched.register_code
            and members.patient_id = matched.patient_id
            and members.reference_date >= matched.diagnosed_on
            and {{ dbt.dateadd('day', -365, 'members.reference_date') }} < matched.diagnosed_on
),

admitted as (
    select
        members.year,
        members.register_code,
        members.patient_id,
        count(*) as admissions,
        sum(case when stays.admission_type = 'emergency' then 1 else 0 end) as emergency_admissions
    from members
    inner join stays
        on
            members.patient_id = stays.patient_id
            and cast(extract(year from stays.admitted_date) as {{ dbt.type_int() }}) = members.year
            and members.reference_date >= stays.admitted_date
    group by members.year, members.register_code, members.patient_id
),

flagged as (
    select
        members.register_code,
        members.year,
        members.reference_date,
        members.okrug_id,
        visited.patient_id is not null as has_dispensary_visit,
        coalesce(admitted.admissions, 0) as admissions,
        coalesce(admitted.emergency_admissions, 0) as emergency_admissions
    from members
    left join visited
        on
            members.year = visited.year
            and members.register_code = visited.register_code
            and members.patient_id = visited.patient_id
    left join admitted
        on
            members.year = admitted.year
            and members.register_code = admitted.register_code
            and members.patient_id = admitted.patient_id
),

final as (
    select
        register_code,
        year,
        reference_date,
        okrug_id,
        has_dispensary_visit,
        cast(count(*) as {{ dbt.type_bigint() }}) as registered_patients,
        cast(sum(case when admissions > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as admitted_patients,
        cast(sum(admissions) as {{ dbt.type_bigint() }}) as admissions,
        cast(sum(emergency_admissions) as {{ dbt.type_bigint() }}) as emergency_admissions,
        {{ safe_ratio('1000 * sum(admissions)', 'count(*)') }} as admissions_per_1000,
        {{ audit_columns() }}
    from flagged
    group by register_code, year, reference_date, okrug_id, has_dispensary_visit
)

select * from final
