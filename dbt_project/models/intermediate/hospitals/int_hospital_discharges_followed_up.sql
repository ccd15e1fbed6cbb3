{#- One row per stay discharged home: was the patient seen in an outpatient visit within 7 days?
    A follow-up is an outpatient visit closed (booked or walk-in, fct_encounters) after the discharge and on
    or before the 7th calendar day after the discharge date, weekends and holidays counted as any day (a
    Friday's discharge is followed up by the next Friday). follow_up_appointment_id is the booking the
    polyclinic linked to the stay (follow_up_booked), where there is one; is_linked_follow_up_attended says
    whether that booking was attended within the 7 days. -#}
with stays as (
    select * from {{ ref('fct_hospital_stays') }}
    where discharge_outcome = 'home'
),

encounters as (
    select * from {{ ref('fct_encounters') }}
),

links as (
    select * from {{ ref('stg_hospitals__follow_ups_booked') }}
),

appointments as (
    select * from {{ ref('fct_appointments') }}
),

-- the first link of a stay (a re-booked follow-up links again: the first is the polyclinic's plan)
first_links as (
    select
        stay_id,
        appointment_id
    from (
        select
            stay_id,
            appointment_id,
            row_number() over (partition by stay_id order by occurred_at, event_id) as link_number
        from links
    ) as numbered
    where link_number = 1
),

visits as (
    select
        stays.stay_id,
        min(encounters.closed_at) as first_visit_at
    from stays
    inner join encounters
        on
            stays.patient_id = encounters.patient_id
            and stays.discharged_at < encounters.closed_at
            and encounters.encounter_date <= {{ dbt.dateadd('day', 7, 'stays.discharged_date') }}
    group by stays.stay_id
),

final as (
    select
        stays.stay_id,
        stays.patient_id,
        stays.hospital_id,
        stays.attached_facility_id,
        stays.discharged_at,
        stays.discharged_date,
        visits.first_visit_at,
        visits.stay_id is not null as is_followed_up_within_7_days,
        first_links.appointment_id as follow_up_appointment_id,
        coalesce(
            appointments.attended_at > stays.discharged_at
            and cast(appointments.attended_at as date) <= {{ dbt.dateadd('day', 7, 'stays.discharged_date') }},
            false
        ) as is_linked_follow_up_attended
    from stays
    left join visits on stays.stay_id = visits.stay_id
    left join first_links on stays.stay_id = first_links.stay_id
    left join appointments on first_links.appointment_id = appointments.appointment_id
)

select * from final
