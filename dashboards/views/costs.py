"""Costs: cost per visit and per attached resident, revenue by funding source, by facility and month."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("costs")
selection = (chosen.start, chosen.end, chosen.okrug_id, chosen.facility_id)

with section("By month"):
    monthly = data.costs_monthly(*selection)
    left, right = st.columns(2)
    left.plotly_chart(figures.revenue_by_source(monthly), key="chart_revenue")
    right.plotly_chart(
        figures.monthly_lines(monthly, {"cost_per_visit_rub": "cost per visit"}, "Cost per visit (roubles)"),
        key="chart_cost_per_visit",
    )
    show_table(monthly, "costs_monthly")

with section("By facility"):
    by_facility = data.costs_by_facility(*selection)
    st.plotly_chart(
        figures.bar_by(
            by_facility,
            "facility_name",
            "cost_per_attached_resident_rub",
            "Cost per attached resident a month (roubles)",
        ),
        key="chart_cost_per_resident",
    )
    show_table(by_facility, "costs_by_facility")
