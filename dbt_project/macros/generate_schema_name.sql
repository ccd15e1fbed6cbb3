{#- Schemas are named by layer (staging, intermediate, marts), the same on every target, so readers
    find the marts in `marts` whatever the profile's default schema is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
