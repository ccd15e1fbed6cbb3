{#- ICD-10 3-character categories (WHO 2019 edition) with their block and chapter. -#}
with categories as (
    select * from {{ ref('icd10_categories') }}
),

final as (
    select
        icd10_category,
        title as icd10_title,
        block as icd10_block,
        block_title as icd10_block_title,
        chapter as icd10_chapter,
        chapter_title as icd10_chapter_title,
        {{ audit_columns() }}
    from categories
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
