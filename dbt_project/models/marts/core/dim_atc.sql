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
        atc4_name
    from codes
)

select * from final
