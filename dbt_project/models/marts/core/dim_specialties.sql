with specialties as (
    select * from {{ ref('stg_operational__specialties') }}
),

final as (
    select
        specialty_id,
        name_en as specialty_name_en,
        name_ru as specialty_name_ru,
        minutes_norm,
        wait_standard,
        wait_standard_unit,
        is_primary_care,
        {{ audit_columns() }}
    from specialties
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
