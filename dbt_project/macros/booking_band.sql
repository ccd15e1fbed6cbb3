{#- NHS booking bands (Appointments in General Practice): days from booking to the appointment. -#}
{% macro booking_band(lead_time_days) -%}
    case
        when {{ lead_time_days }} <= 0 then 'same_day'
        when {{ lead_time_days }} = 1 then '1_day'
        when {{ lead_time_days }} <= 7 then '2_7_days'
        when {{ lead_time_days }} <= 14 then '8_14_days'
        when {{ lead_time_days }} <= 21 then '15_21_days'
        when {{ lead_time_days }} <= 28 then '22_28_days'
        else 'over_28_days'
    end
{%- endmacro %}

{% macro booking_bands() %}
    {% do return(['same_day', '1_day', '2_7_days', '8_14_days', '15_21_days', '22_28_days', 'over_28_days']) %}
{% endmacro %}
