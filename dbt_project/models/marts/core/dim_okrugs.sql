with okrugs as (
    select * from {{ ref('stg_operational__okrugs') }}
),

final as (
    select
        okrug_id,
        name_en as okrug_name_en,
        name_ru as okrug_name_ru
    from okrugs
)

select * from final
