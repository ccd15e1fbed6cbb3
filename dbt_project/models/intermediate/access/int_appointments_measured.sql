{#- Each appointment with the wait it stands for, measured against its specialty's legal standard:
    24 hours for primary care (wait_standard_unit = hours), else 14 working days counted on Russia's
    production calendar (dim_dates). -#}
{{ config(tags=['daily']) }}

with appointments as (
    select * from {{ ref('fct_appointments') }}
),

specialties as (
    select * from {{ ref('dim_specialties') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

final as (
    select
        appointments.*,
        specialties.wait_standard,
        specialties.wait_standard_unit,
        slot_days.working_day_number - booked_days.working_day_number as lead_time_working_days,
        case
            when specialties.wait_standard_unit = 'hours'
                then appointments.lead_time_minutes <= specialties.wait_standard * 60
            else slot_days.working_day_number - booked_days.working_day_number <= specialties.wait_standard
        end as is_within_standard
    from appointments
    inner join specialties on appointments.specialty_id = specialties.specialty_id
    left join dates as booked_days on appointments.booked_date = booked_days.date_day
    left join dates as slot_days on appointments.slot_date = slot_days.date_day
)

select * from final -- noqa: AM04
