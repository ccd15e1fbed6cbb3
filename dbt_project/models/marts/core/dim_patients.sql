{#- Residents known to the system, pseudonymous. No age: an age needs a day (a visit's, a register's
    reference date), and a row that changed as days pass would rebuild 13M rows a day at Moscow scale;
    readers take the age from birth_month on the day they need. -#}
with patients as (
    select * from {{ ref('stg_operational__patients') }}
),

final as (
    select
        patient_id,
        sex,
        birth_month,
        district_id,
        attached_facility_id,
        insurance,
        death_date,
        death_date is not null as is_dead,
        {{ audit_columns() }}
    from patients
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
