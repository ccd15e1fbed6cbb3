"""Costs: cost per visit and per attached resident, revenue by funding source, by month and by facility
(by okrug for an epidemiologist, who sees no named facility: docs/dashboards.md "Roles")."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table
from dashboards.roles import sees_facilities

user, chosen = open_page("costs")
named = sees_facilities(user.role)
selection = (chosen.start, chosen.end, chosen.okrug_id, chosen.facility_id)

with section("By month"):
    monthly = data.costs_monthly(*selection)
    left, right = st.columns(2)
    left.plotly_chart(figures.revenue_by_source(monthly), key="chart_revenue")
    right.plotly_chart(
        figures.monthly_lines(monthly, ["cost_per_visit_rub"], "Cost per visit (₽)"),
        key="chart_cost_per_visit",
    )
    show_table(monthly, "costs_monthly", title="months")

with section("By facility" if named else "By okrug"):
    if named:
        by_unit, category, name = data.costs_by_facility(*selection), "facility_name", "costs_by_facility"
    else:
        by_unit, category, name = (
            data.costs_by_okrug(chosen.start, chosen.end, chosen.okrug_id),
            "okrug_id",
            "costs_by_okrug",
        )
    st.plotly_chart(
        figures.bar_by(
            by_unit, category, "cost_per_attached_resident_rub", "Cost per attached resident a month (₽)"
        ),
        key="chart_cost_per_resident",
    )
    show_table(by_unit, name, title="costs")
