with facilities as (
    select * from {{ ref('stg_operational__facilities') }}
),

districts as (
    select * from {{ ref('stg_operational__districts') }}
),

okrugs as (
    select * from {{ ref('stg_operational__okrugs') }}
),

final as (
    select
        facilities.facility_id,
        facilities.name as facility_name,
        facilities.kind as facility_kind,
        facilities.parent_facility_id,
        -- a branch rolls up to its head polyclinic; a head building or a stand-alone unit to itself
        coalesce(facilities.parent_facility_id, facilities.facility_id) as head_facility_id,
        facilities.district_id,
        districts.name as district_name,
        facilities.okrug_id,
        okrugs.name_en as okrug_name_en,
        okrugs.name_ru as okrug_name_ru
    from facilities
    left join districts on facilities.district_id = districts.district_id
    left join okrugs on facilities.okrug_id = okrugs.okrug_id
)

select * from final
