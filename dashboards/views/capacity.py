"""Capacity: slot utilisation by specialty, load by weekday and hour, and doctor load.

Leaders and analysts see it by named facility and doctor; an epidemiologist by okrug, with the doctors as a
distribution only (docs/dashboards.md "Roles")."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table
from dashboards.roles import sees_facilities

user, chosen = open_page("capacity")
named = sees_facilities(user.role)
selection = (chosen.start, chosen.end, chosen.okrug_id, chosen.facility_id, chosen.specialty_id)

with section("Utilisation by facility and specialty" if named else "Utilisation by okrug and specialty"):
    if named:
        capacity = data.capacity_by_facility(*selection)
    else:
        capacity = data.capacity_by_okrug(chosen.start, chosen.end, chosen.okrug_id, chosen.specialty_id)
    st.plotly_chart(figures.utilisation_by_specialty(capacity), key="chart_utilisation")
    show_table(capacity, "capacity_by_facility" if named else "capacity_by_okrug", title="utilisation")

with section("Weekday by hour"):
    heatmap = data.load_heatmap(*selection)
    st.plotly_chart(figures.weekday_hour_heatmap(heatmap), key="chart_weekday_hour")
    show_table(heatmap, "load_weekday_hour", title="weekday by hour")

with section("Doctor load"):
    doctors = data.doctor_load(*selection)
    st.plotly_chart(figures.doctor_load_histogram(doctors), key="chart_doctor_load")
    if named:
        show_table(doctors, "doctor_load", title="doctors")
