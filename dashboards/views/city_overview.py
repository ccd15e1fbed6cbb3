"""City overview (leaders): the period's headline figures, weekly trends beside last year, and by okrug."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import metric, open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("city_overview")

with section():
    totals = data.city_totals(chosen.start, chosen.end, chosen.okrug_id)
    cols = st.columns(6)
    metric(cols[0], "Visits", totals["visits"], "count")
    metric(cols[1], "Bookings", totals["bookings"], "count")
    metric(cols[2], "Remote-booking share", totals["remote_share"], "percent")
    metric(cols[3], "DNA rate", totals["dna_rate"], "percent")
    metric(cols[4], "Seen within the wait standard", totals["within_standard_share"], "percent")
    metric(cols[5], "Cost per visit", totals["cost_per_visit_rub"], "roubles")

with section("Weekly trends, with the same weeks a year earlier"):
    weekly = data.city_weekly(chosen.start, chosen.end, chosen.okrug_id)
    last_year = data.city_weekly(*chosen.last_year(), chosen.okrug_id)
    left, right = st.columns(2)
    left.plotly_chart(figures.weekly_trend(weekly, last_year, "visits", "Visits by week"), key="chart_visits")
    right.plotly_chart(
        figures.weekly_trend(weekly, last_year, "bookings", "Bookings by week"), key="chart_bookings"
    )
    left.plotly_chart(
        figures.weekly_trend(weekly, last_year, "dna_rate", "DNA rate by week", percent=True), key="chart_dna"
    )
    right.plotly_chart(
        figures.weekly_trend(
            weekly, last_year, "within_standard_share", "Seen within the standard", percent=True
        ),
        key="chart_within_standard",
    )
    show_table(weekly, "city_weekly")

with section("By okrug"):
    by_okrug = data.city_by_okrug(chosen.start, chosen.end)
    st.plotly_chart(
        figures.bar_by(by_okrug, "okrug_id", "dna_rate", "DNA rate by okrug", percent=True),
        key="chart_okrug_dna",
    )
    show_table(by_okrug, "city_by_okrug")
