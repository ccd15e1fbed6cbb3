"""Access and waiting times: booking bands, lead-time percentiles, third next available appointment, and the
share seen within the legal standard by specialty (the standard drawn as a reference)."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table
from warehouse.metrics import BANDS

user, chosen = open_page("access")
selection = (chosen.start, chosen.end, chosen.okrug_id, chosen.facility_id, chosen.specialty_id)

with section("By specialty"):
    by_specialty = data.access_by_specialty(*selection)
    st.plotly_chart(figures.lead_times_against_standard(by_specialty), key="chart_lead_times")
    left, right = st.columns(2)
    left.plotly_chart(figures.booking_bands(by_specialty, BANDS), key="chart_booking_bands")
    right.plotly_chart(
        figures.bar_by(
            by_specialty,
            "specialty_id",
            "within_standard_share",
            "Seen within the legal wait standard",
            reference=(1.0, "all"),
        ),
        key="chart_within_standard",
    )
    show_table(by_specialty, "access_by_specialty", title="specialties")

with section("By week"):
    weekly = data.access_weekly(*selection)
    left, right = st.columns(2)
    left.plotly_chart(
        figures.weekly_lines(
            weekly, ["median_lead_time_days", "p90_lead_time_days"], "Lead time by week (days)"
        ),
        key="chart_lead_time_weekly",
    )
    right.plotly_chart(
        figures.weekly_lines(weekly, ["tnaa_days"], "Third next available appointment (days)"),
        key="chart_tnaa",
    )
    show_table(weekly, "access_weekly", caption=data.weeks_left_out(chosen.start, chosen.end), title="weeks")
