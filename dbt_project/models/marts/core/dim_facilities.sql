{#- Outpatient units and their hierarchy: branch -> head polyclinic -> okrug -> city. -#}
with facilities as (
    select * from {{ ref('stg_operational__facilities') }}
),

districts as (
    select * from {{ ref('dim_districts') }}
),

okrugs as (
    select * from {{ ref('dim_okrugs') }}
),

final as (
    select
        facilities.facility_id,
        facilities.name as facility_name,
        facilities.kind as facility_kind,
        facilities.parent_facility_id,
        -- a branch rolls up to its head polyclinic; a head building or a stand-alone unit to itself
        coalesce(facilities.parent_facility_id, facilities.facility_id) as head_facility_id,
        coalesce(heads.name, facilities.name) as head_facility_name,
        facilities.district_id,
        districts.district_name,
        facilities.okrug_id,
        okrugs.okrug_name_en,
        okrugs.okrug_name_ru,
        'MSK' as city_id,
        {{ audit_columns() }}
    from facilities
    left join facilities as heads on facilities.parent_facility_id = heads.facility_id
    left join districts on facilities.district_id = districts.district_id
    left join okrugs on facilities.okrug_id = okrugs.okrug_id
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
