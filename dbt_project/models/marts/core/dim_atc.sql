{#- ATC drugs at level 5 with their four parent levels (a project-made list of the codes in use). -#}
with codes as (
    select * from {{ ref('atc_codes') }}
),

final as (
    select
        atc_code,
        substance,
        atc1_code,
        atc1_name,
        atc2_code,
        atc2_name,
        atc3_code,
        atc3_name,
        atc4_code,
        atc4_name,
        {{ audit_columns() }}
    from codes
)

-- built from reference data alone: rebuilt whole when it changes, else nothing to do (macros/incremental.sql)
select * from final
where {{ rebuilt_rows() }}
