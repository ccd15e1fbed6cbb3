"""City overview (leaders): the period's headline figures, weekly trends beside last year, and by okrug."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import metric, open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("city_overview")

with section():
    totals = data.city_totals(chosen.start, chosen.end, chosen.okrug_id)
    cols = st.columns(3) + st.columns(3)  # two rows, so no label is cut short
    metric(cols[0], "visits", totals["visits"])
    metric(cols[1], "bookings", totals["bookings"])
    metric(cols[2], "remote_share", totals["remote_share"], label="Remote-booking share")
    metric(cols[3], "dna_rate", totals["dna_rate"])
    metric(cols[4], "within_standard_share", totals["within_standard_share"])
    metric(cols[5], "cost_per_visit_rub", totals["cost_per_visit_rub"], label="Cost per visit")

with section("Weekly trends, with the same weeks a year earlier"):
    weekly = data.city_weekly(chosen.start, chosen.end, chosen.okrug_id)
    last_year = data.city_weekly(*chosen.last_year(), chosen.okrug_id)
    left, right = st.columns(2)
    charts = [
        ("visits", "Visits by week"),
        ("bookings", "Bookings by week"),
        ("dna_rate", "DNA rate by week"),
        ("within_standard_share", "Seen within the wait standard by week"),
    ]
    for i, (column, title) in enumerate(charts):
        (left if i % 2 == 0 else right).plotly_chart(
            figures.weekly_trend(weekly, last_year, column, title), key=f"chart_{column}"
        )
    show_table(weekly, "city_weekly", caption=data.weeks_left_out(chosen.start, chosen.end), title="weeks")

with section("By okrug"):
    by_okrug = data.city_by_okrug(chosen.start, chosen.end)
    left, right = st.columns(2)
    left.plotly_chart(
        figures.bar_by(by_okrug, "okrug_id", "dna_rate", "DNA rate by okrug"), key="chart_okrug_dna"
    )
    right.plotly_chart(
        figures.bar_by(
            by_okrug, "okrug_id", "within_standard_share", "Seen within the wait standard by okrug"
        ),
        key="chart_okrug_within_standard",
    )
    show_table(by_okrug, "city_by_okrug", title="okrugs")
