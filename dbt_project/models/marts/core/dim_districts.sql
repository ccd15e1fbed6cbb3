with districts as (
    select * from {{ ref('stg_operational__districts') }}
),

okrugs as (
    select * from {{ ref('dim_okrugs') }}
),

final as (
    select
        districts.district_id,
        districts.name as district_name,
        districts.okrug_id,
        okrugs.okrug_name_en,
        okrugs.okrug_name_ru,
        {{ audit_columns() }}
    from districts
    left join okrugs on districts.okrug_id = okrugs.okrug_id
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
