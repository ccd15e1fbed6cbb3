{#- One row per patient on a register: entry and exit (int_register_memberships_derived explains the
    rules), with the patient's sex, birth month and okrug of residence.
    Incremental: a run takes the memberships rebuilt since it was last built, and takes back those whose
    entry lay in its window (a membership leaves only when every diagnosis behind it is taken back, the
    entry's among them). -#}
{{
    config(
        unique_key=['register_code', 'patient_id'],
        meta={'rebuilds': {'in_window': ['entry_date']}},
    )
}}

with memberships as (
    select * from {{ ref('int_register_memberships_derived') }}
    where {{ built_since_this() }}
),

patients as (
    select * from {{ ref('stg_operational__patients') }}
),

districts as (
    select * from {{ ref('stg_operational__districts') }}
),

final as (
    select
        memberships.register_code,
        memberships.patient_id,
        memberships.entry_date,
        memberships.is_new_case,
        memberships.entry_age_years,
        memberships.exit_date,
        memberships.exit_reason,
        patients.sex,
        patients.birth_month,
        patients.district_id,
        districts.okrug_id,
        patients.death_date,
        {{ audit_columns() }}
    from memberships
    inner join patients on memberships.patient_id = patients.patient_id
    left join districts on patients.district_id = districts.district_id
)

select * from final
