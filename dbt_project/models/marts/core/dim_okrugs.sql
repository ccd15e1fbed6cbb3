with okrugs as (
    select * from {{ ref('stg_operational__okrugs') }}
),

final as (
    select
        okrug_id,
        name_en as okrug_name_en,
        name_ru as okrug_name_ru,
        {{ audit_columns() }}
    from okrugs
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
