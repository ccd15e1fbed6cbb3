"""Facility load: slots offered, booked, attended and missed, by day, for the chosen period and filters."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import metric, open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("facility_load")
facility_ids = () if chosen.facility_id is None else (chosen.facility_id,)
specialty_ids = () if chosen.specialty_id is None else (chosen.specialty_id,)

with section():
    daily = data.facility_load_daily(chosen.start, chosen.end, facility_ids, specialty_ids)
    by_facility = data.facility_load(chosen.start, chosen.end, facility_ids, specialty_ids)
    if by_facility.is_empty():
        st.info("No slots in this selection.")
        st.stop()
    totals = data.facility_load_totals(chosen.start, chosen.end, facility_ids, specialty_ids)
    cols = st.columns(4)
    metric(cols[0], "slots_offered", totals["slots_offered"])
    metric(cols[1], "utilisation", totals["utilisation"])
    metric(cols[2], "attended", totals["attended"])
    metric(cols[3], "dna_rate", totals["dna_rate"])
    st.plotly_chart(figures.daily_load_figure(daily), key="daily_load_chart")
    st.subheader("By facility and specialty")
    show_table(by_facility, "facility_load", title="load")
