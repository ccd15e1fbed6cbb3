{#- One row per department and day it held beds, with the bed profile and the staffed beds valid that day
    (hospital_departments is dated: valid_from to valid_to, both inclusive). Days: the span of the hospital
    events (int_hospital_data_span). -#}
with departments as (
    select * from {{ ref('stg_hospitals__departments') }}
),

span as (
    select * from {{ ref('int_hospital_data_span') }}
),

days as (
    select dates.date_day
    from {{ ref('dim_dates') }} as dates
    inner join span on dates.date_day between span.first_day and span.last_day
),

final as (
    select
        departments.department_id,
        departments.hospital_id,
        days.date_day,
        departments.bed_profile,
        departments.beds
    from departments
    inner join days
        on
            departments.valid_from <= days.date_day
            and (departments.valid_to is null or departments.valid_to >= days.date_day)
)

select * from final
