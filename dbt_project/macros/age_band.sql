{#- The 5-year age band of the European Standard Population 2013 ('0-4' ... '85-89', '90+') of an age in
    whole years (SQL); the bands of the population snapshot and of registers' ESP 2013 weights. -#}
{% macro esp_age_band(age_years) -%}
    case
        when {{ age_years }} >= 90 then '90+'
        else {{ dbt.concat([
            "cast(cast(floor(" ~ age_years ~ " / 5.0) * 5 as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
            "'-'",
            "cast(cast(floor(" ~ age_years ~ " / 5.0) * 5 + 4 as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
        ]) }}
    end
{%- endmacro %}
