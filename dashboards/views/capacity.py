"""Capacity: slot utilisation by facility and specialty, load by weekday and hour, and doctor load."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("capacity")
selection = (chosen.start, chosen.end, chosen.okrug_id, chosen.facility_id, chosen.specialty_id)

with section("Utilisation by facility and specialty"):
    capacity = data.capacity_by_facility(*selection)
    st.plotly_chart(figures.utilisation_by_specialty(capacity), key="chart_utilisation")
    show_table(capacity, "capacity_by_facility")

with section("Weekday by hour"):
    heatmap = data.load_heatmap(*selection)
    st.plotly_chart(figures.weekday_hour_heatmap(heatmap), key="chart_weekday_hour")
    show_table(heatmap, "load_weekday_hour")

with section("Doctor load"):
    doctors = data.doctor_load(*selection)
    st.plotly_chart(figures.doctor_load_histogram(doctors), key="chart_doctor_load")
    show_table(doctors, "doctor_load")
