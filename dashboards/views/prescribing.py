"""Prescribing: e-prescriptions by ATC group, beneficiaries, and the days from issue to dispensing."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("prescribing")

with section("By ATC group"):
    by_group = data.prescribing_by_group(chosen.start, chosen.end, chosen.okrug_id)
    st.plotly_chart(
        figures.bar_by(by_group, "atc_group", "prescriptions", "Prescriptions by ATC group"),
        key="chart_atc_groups",
    )
    show_table(
        by_group,
        "prescribing_by_group",
        caption="Patient-months: distinct patients of each month and okrug, added up.",
        title="ATC groups",
    )

with section("By month"):
    monthly = data.prescribing_monthly(chosen.start, chosen.end, chosen.okrug_id)
    left, right = st.columns(2)
    left.plotly_chart(
        figures.monthly_lines(
            monthly,
            ["prescriptions", "beneficiary_months"],
            "Prescriptions and beneficiaries by month",
        ),
        key="chart_prescriptions_monthly",
    )
    right.plotly_chart(
        figures.monthly_lines(monthly, ["mean_days_to_dispensing"], "Days from issue to dispensing"),
        key="chart_dispensing_delay",
    )
    show_table(monthly, "prescribing_monthly", title="months")
