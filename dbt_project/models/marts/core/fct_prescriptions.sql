{#- One row per e-prescription with its dispensing (first pharmacy fill), and the prescriber's facility on
    the day of issue (doctors' posts are dated: a change of the doctors' snapshot rebuilds this whole).

    Incremental by day, like fct_appointments: a run rebuilds the prescriptions issued or dispensed in its
    window (in the current files or in the row already in the table); a dispensing in the window completes
    a prescription issued earlier (within 90 days: the ingest checks it), which is read back from the table. -#}
{{
    config(
        unique_key='prescription_id',
        tags=['daily'],
        meta={'rebuilds': {
            'in_window': ['issued_date', 'cast(dispensed_at as date)'],
            'within': {'column': 'issued_date', 'lookback_days': 90},
        }},
    )
}}

with issued as (
    select * from {{ ref('stg_operational__prescriptions_issued') }}
    where {{ in_window('partition_date') }}
),

dispensed_events as (
    select * from {{ ref('stg_operational__prescriptions_dispensed') }}
    where {{ in_window('partition_date') }}
),

dispensed as (
    select
        prescription_id,
        min(occurred_at) as dispensed_at,
        sum(quantity) as quantity_dispensed,
        min(pharmacy_id) as pharmacy_id
    from dispensed_events
    group by prescription_id
),

doctors as (
    select * from {{ ref('dim_doctors') }}
),

{% if is_incremental() %}
    previous as (
        select * from {{ this }}
        where {{ rebuilt_rows(also='prescription_id in (select dispensed.prescription_id from dispensed)') }}
    ),
{% endif %}

new_prescriptions as (
    select
        issued.prescription_id,
        issued.encounter_id,
        issued.patient_id,
        issued.doctor_id,
        doctors.facility_id,
        issued.atc_code,
        issued.quantity,
        issued.days_supply,
        issued.benefit_category,
        issued.occurred_at as issued_at
    from issued
    -- the prescriber's post on the day of issue
    left join doctors
        on
            issued.doctor_id = doctors.doctor_id
            and issued.partition_date between doctors.valid_from and doctors.valid_to
),

prescriptions as (
    select * from new_prescriptions
    {% if is_incremental() %}
        union all
        select
            prescription_id,
            encounter_id,
            patient_id,
            doctor_id,
            facility_id,
            atc_code,
            quantity,
            days_supply,
            benefit_category,
            issued_at
        from previous
        -- issued before the window: kept (one issued in the window and no longer there was taken back)
        where
            not {{ in_window('issued_date') }}
            and prescription_id not in (select new_prescriptions.prescription_id from new_prescriptions)
    {% endif %}
),

joined as (
    select
        prescriptions.*,
        cast(prescriptions.issued_at as date) as issued_date,
        cast({{ dbt.date_trunc('month', 'cast(prescriptions.issued_at as date)') }} as date) as issued_month,
        prescriptions.benefit_category <> 'none' as is_beneficiary,
        {{ carried('dispensed.dispensed_at', 'previous.dispensed_at', 'previous.dispensed_at') }} as dispensed_at,
        {{ carried('dispensed.quantity_dispensed', 'previous.quantity_dispensed', 'previous.dispensed_at') }}
            as quantity_dispensed,
        {{ carried('dispensed.pharmacy_id', 'previous.pharmacy_id', 'previous.dispensed_at') }} as pharmacy_id
    from prescriptions
    left join dispensed on prescriptions.prescription_id = dispensed.prescription_id
    {%- if is_incremental() %}
        left join previous on prescriptions.prescription_id = previous.prescription_id
    {%- endif %}
),

final as (
    select
        *,
        dispensed_at is not null as is_dispensed,
        {{ dbt.datediff('issued_date', 'cast(dispensed_at as date)', 'day') }} as days_to_dispensing,
        {{ audit_columns() }}
    from joined
)

select * from final
