{#- City hospitals (inpatient care) with their place in the city: district -> okrug. -#}
with hospitals as (
    select * from {{ ref('stg_hospitals__hospitals') }}
),

districts as (
    select * from {{ ref('dim_districts') }}
),

okrugs as (
    select * from {{ ref('dim_okrugs') }}
),

final as (
    select
        hospitals.hospital_id,
        hospitals.name as hospital_name,
        hospitals.kind as hospital_kind,
        hospitals.district_id,
        districts.district_name,
        hospitals.okrug_id,
        okrugs.okrug_name_en,
        okrugs.okrug_name_ru,
        {{ audit_columns() }}
    from hospitals
    left join districts on hospitals.district_id = districts.district_id
    left join okrugs on hospitals.okrug_id = okrugs.okrug_id
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
