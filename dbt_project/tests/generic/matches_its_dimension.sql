{#- A reference attribute copied onto a mart's rows (a facility's okrug, head polyclinic, name) is the one
    its dimension holds now: the attribution is current, rebuilt everywhere when the reference data
    changes (docs/DESIGN.md). Returns the rows that still carry another. -#}
{% test matches_its_dimension(model, column_name, key, to) %}
    select
        mart.{{ key }},
        mart.{{ column_name }},
        dimension.{{ column_name }} as in_dimension
    from (select * from {{ model }}) as mart
    inner join {{ to }} as dimension on mart.{{ key }} = dimension.{{ key }}
    where
        not (
            mart.{{ column_name }} = dimension.{{ column_name }}
            or (mart.{{ column_name }} is null and dimension.{{ column_name }} is null)
        )
{% endtest %}
