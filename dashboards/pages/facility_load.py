"""Facility load: slots offered, booked, attended and missed, by day, for a period, facility and specialty."""

import datetime as dt

import streamlit as st

from dashboards import data
from dashboards.components.load_figures import daily_load_figure, daily_load_summary, load_by_facility

st.header("Facility load")

try:
    first, last = data.facility_load_span()
    facilities = data.facilities()
except data.NoData as e:
    st.warning(f"No data yet: {e}")
    st.stop()

with st.sidebar:
    period = st.date_input(
        "Period",
        value=(max(first, last - dt.timedelta(days=89)), last),
        min_value=first,
        max_value=last,
        key="period",
    )
    names = dict(zip(facilities["facility_id"].to_list(), facilities["facility_name"].to_list(), strict=True))
    chosen_facilities = st.multiselect(
        "Facility",
        options=list(names),
        format_func=lambda i: names[i],
        key="facility",
        placeholder="All facilities",
    )
    all_load = data.facility_load(first, last)
    specialties = sorted(all_load["specialty_id"].unique().to_list())
    chosen_specialties = st.multiselect(
        "Specialty", options=specialties, key="specialty", placeholder="All specialties"
    )

start, end = (period[0], period[-1]) if isinstance(period, tuple | list) and period else (first, last)
load = data.facility_load(start, end, tuple(chosen_facilities), tuple(chosen_specialties))
if load.is_empty():
    st.info("No slots in this selection.")
    st.stop()

daily = daily_load_summary(load)
totals = (
    daily.select("slots_offered", "slots_booked", "attended", "no_shows", "cancellations")
    .sum()
    .row(0, named=True)
)
cols = st.columns(4)
cols[0].metric("Slots offered", f"{totals['slots_offered']:,}")
cols[1].metric("Utilisation", f"{totals['slots_booked'] / max(totals['slots_offered'], 1):.1%}")
cols[2].metric("Attended", f"{totals['attended']:,}")
booked_outcomes = totals["attended"] + totals["no_shows"]
cols[3].metric("Did not attend", f"{totals['no_shows'] / max(booked_outcomes, 1):.1%}")

st.plotly_chart(daily_load_figure(daily), key="daily_load_chart")

by_facility = load_by_facility(load)
st.subheader("By facility and specialty")
st.dataframe(by_facility, key="facility_table", hide_index=True)
st.download_button("Download CSV", by_facility.write_csv(), file_name="facility_load.csv", mime="text/csv")
