{#- Doctors' posts, dated: join on doctor_id and a day between valid_from and valid_to for the post of that day. -#}
with doctors as (
    select * from {{ ref('stg_operational__doctors') }}
),

final as (
    select
        doctor_id,
        valid_from,
        -- an open post lasts until further notice: a far date keeps the "as of a day" join a plain between
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to,
        valid_to is null as is_current,
        facility_id,
        specialty_id,
        rate,
        {{ audit_columns() }}
    from doctors
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
