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
        is_primary_care
    from specialties
)

select * from final
