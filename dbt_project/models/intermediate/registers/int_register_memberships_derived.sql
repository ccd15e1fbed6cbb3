{#- One row per patient on a register: when they entered and when (and why) they left.

    Entry, by the register's entry rule, is the first qualifying event at an age inside the register's
    limits: any diagnosis of the code set (first_diagnosis) or a dispensary start (dispensary_registration).
    Exit is the earliest of the exits the register allows:
    - death: the patient's death date;
    - deregistration: the patient's last dispensary action for the register, when it is a stop on or after
      the entry (a start after a stop puts the patient back under observation, so it is not an exit).
    A patient has one membership per register: a stop followed by a new start is counted as continuous. -#}
{#- Incremental: a membership depends on the patient's matched diagnoses of every day, but a day's
    diagnoses change it only through that patient, and a diagnosis taken back from a day changes it only
    when it was the entry or the last dispensary action (both kept on the row). So a run rebuilds the
    patients with a matched diagnosis in its window, and those whose entry or last action lies in it, from
    all their matched diagnoses. -#}
{{
    config(
        materialized='incremental',
        unique_key=['register_code', 'patient_id'],
        meta={'rebuilds': {'in_window': ['entry_date', 'last_action_on']}},
    )
}}

with all_matched as (
    select * from {{ ref('int_register_diagnoses_matched') }}
),

{% if is_incremental() %}
    rebuilt as (
        select
            register_code,
            patient_id
        from all_matched
        where {{ in_window('diagnosed_on') }}
        union
        select
            register_code,
            patient_id
        from {{ this }}
        where {{ rebuilt_rows() }}
    ),
{% endif %}

matched as (
    select * from all_matched
    {%- if is_incremental() %}
        where exists (
            select 1 from rebuilt
            where
                all_matched.register_code = rebuilt.register_code
                and all_matched.patient_id = rebuilt.patient_id
        )
    {%- endif %}
),

definitions as (
    select * from {{ ref('stg_registers__definitions') }}
),

patients as (
    select * from {{ ref('stg_operational__patients') }}
),

qualifying as (
    select
        matched.register_code,
        matched.patient_id,
        matched.diagnosed_on,
        matched.diagnosis_kind,
        matched.age_years
    from matched
    inner join definitions on matched.register_code = definitions.register_code
    where
        (definitions.min_age is null or matched.age_years >= definitions.min_age)
        and (definitions.max_age is null or matched.age_years <= definitions.max_age)
        and (
            definitions.entry_rule = 'first_diagnosis'
            or (definitions.entry_rule = 'dispensary_registration' and matched.dispensary_action = 'start')
        )
),

entries as (
    select
        register_code,
        patient_id,
        min(diagnosed_on) as entry_date
    from qualifying
    group by register_code, patient_id
),

entry_details as (
    -- a first-time diagnosis on the day of entry makes the entry a new case (not a known one first seen)
    select
        entries.register_code,
        entries.patient_id,
        entries.entry_date,
        max(case when qualifying.diagnosis_kind = 'first_time' then 1 else 0 end) = 1 as is_new_case,
        min(qualifying.age_years) as entry_age_years
    from entries
    inner join qualifying
        on
            entries.register_code = qualifying.register_code
            and entries.patient_id = qualifying.patient_id
            and entries.entry_date = qualifying.diagnosed_on
    group by entries.register_code, entries.patient_id, entries.entry_date
),

actions_ranked as (
    select
        register_code,
        patient_id,
        diagnosed_on,
        dispensary_action,
        row_number() over (
            partition by register_code, patient_id
            order by occurred_at desc, event_id desc
        ) as recency
    from matched
    where dispensary_action is not null
),

last_actions as (
    select
        register_code,
        patient_id,
        diagnosed_on as last_action_on,
        dispensary_action as last_action
    from actions_ranked
    where recency = 1
),

exits as (
    select
        entry_details.register_code,
        entry_details.patient_id,
        entry_details.entry_date,
        entry_details.is_new_case,
        entry_details.entry_age_years,
        case
            when definitions.exits_on_death then patients.death_date
        end as death_exit_date,
        last_actions.last_action_on,
        case
            when
                definitions.exits_on_deregistration
                and last_actions.last_action = 'stop'
                and last_actions.last_action_on >= entry_details.entry_date
                then last_actions.last_action_on
        end as deregistration_date
    from entry_details
    inner join definitions on entry_details.register_code = definitions.register_code
    inner join patients on entry_details.patient_id = patients.patient_id
    left join last_actions
        on
            entry_details.register_code = last_actions.register_code
            and entry_details.patient_id = last_actions.patient_id
),

final as (
    select
        register_code,
        patient_id,
        entry_date,
        is_new_case,
        entry_age_years,
        last_action_on,
        deregistration_date,
        case
            when death_exit_date is null then deregistration_date
            when deregistration_date is null then death_exit_date
            when death_exit_date <= deregistration_date then death_exit_date
            else deregistration_date
        end as exit_date,
        case
            when death_exit_date is null and deregistration_date is null then null
            when deregistration_date is null or death_exit_date <= deregistration_date then 'death'
            else 'deregistration'
        end as exit_reason,
        {{ audit_columns() }}
    from exits
)

select * from final
