with source as (
    select * from {{ source('operational', 'facility_expenses') }}
),

renamed as (
    select
        facility_id,
        month,
        cost_category,
        amount_rub,
        _loaded_at as loaded_at
    from source
)

select * from renamed
