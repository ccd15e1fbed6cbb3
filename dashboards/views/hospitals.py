"""Hospitals (leaders and analysts): bed occupancy, length of stay, 30-day readmissions and planned care.

Occupancy is the midnight census over staffed beds, by hospital and bed profile, drawn as a heat map by day
(or ISO week for a long period) and against the 86% norm; length of stay as ALOS by profile, planned and
emergency; readmissions as the CMS hospital-wide measure counts them; planned care as the wait from the
polyclinic's referral to admission against the standard and the follow-up visit within 7 days of a
discharge home, by polyclinic. Marts: docs/dashboards.md "Pages and the marts they read".
"""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("hospitals")
period = (chosen.start, chosen.end)
st.caption(
    "Every hospital of the city, and every polyclinic in planned care: the sidebar's okrug, facility and "
    "specialty do not apply here, its period does."
)

with section("Bed occupancy"):
    rows = st.radio("Rows of the heat map", list(data.OCCUPANCY_ROWS), horizontal=True, key="occupancy_rows")
    grid = data.occupancy_grid(*period, data.OCCUPANCY_ROWS[rows])
    st.plotly_chart(figures.occupancy_heatmap(grid), key="chart_occupancy_heatmap")
    occupancy = data.occupancy_by_hospital_profile(*period)
    st.plotly_chart(figures.occupancy_against_norm(occupancy), key="chart_occupancy_norm")
    show_table(
        occupancy,
        "hospital_occupancy",
        title="bed occupancy",
        caption="Occupied bed-days: patients in a bed at each midnight, summed over the days; available "
        "bed-days: the staffed beds of each day, summed. Bed turnover: discharges per average staffed bed.",
    )

with section("Length of stay"):
    st.plotly_chart(
        figures.alos_by_profile(data.length_of_stay_by_profile(*period)), key="chart_alos_by_profile"
    )
    bands = data.length_of_stay_bands(*period)
    st.plotly_chart(figures.length_of_stay_bands(bands), key="chart_los_bands")
    show_table(bands, "length_of_stay_bands", title="length of stay distribution")
    show_table(
        data.length_of_stay_by_hospital(*period),
        "hospital_length_of_stay",
        title="length of stay",
        caption="Stays discharged in the period; length of stay: discharge date minus admission date (days).",
    )

with section("30-day readmissions"):
    st.markdown(
        "**Definition** (CMS's hospital-wide readmission measure, as Tuva's readmissions mart counts it): "
        "an *index stay* is a stay discharged alive and not to another hospital (a transfer's stay is "
        "continued by the receiving hospital's), of a patient aged 18 or over, not for medical treatment "
        "of cancer (C00-C97), a psychiatric diagnosis (F00-F99) or rehabilitation (Z50), discharged at "
        "least 30 days before the last day of data. It is *readmitted* when the patient's next admission, "
        "to any hospital, comes within 30 days of the discharge and is unplanned (an emergency admission); "
        "a planned one (by a polyclinic's referral: the project's simplification of CMS's "
        "planned-readmission algorithm) is not counted. Rate: readmitted index stays over index stays, in "
        "the month of the index discharge."
    )
    by_hospital = data.readmissions_by_hospital(*period)
    st.plotly_chart(
        figures.bar_by(by_hospital, "hospital_id", "readmission_rate", "30-day readmission rate by hospital"),
        key="chart_readmissions",
    )
    show_table(data.readmissions_by_hospital_profile(*period), "hospital_readmissions", title="readmissions")

with section("Planned care: referral to admission, and follow-up after discharge"):
    planned = data.planned_care_by_polyclinic(*period)
    left, right = st.columns(2)
    left.plotly_chart(
        figures.funnel_plot(
            planned,
            count="admitted_within_standard",
            denominator="referred_admissions",
            label="Admitted within the standard",
            title="Referral to planned admission within 14 working days (7 for oncology)",
            points="Polyclinics",
        ),
        key="funnel_admission_wait",
    )
    right.plotly_chart(
        figures.funnel_plot(
            planned,
            count="followed_up_within_7_days",
            denominator="discharges_home",
            label="Seen within 7 days",
            title="Seen in the polyclinic within 7 days of a discharge home",
            points="Polyclinics",
        ),
        key="funnel_follow_up",
    )
    show_table(
        planned,
        "planned_care",
        title="planned care",
        caption="By the polyclinic the patient is attached to. Waits in working days of the production "
        "calendar from the referral to admission (month of admission); follow-up: an attended outpatient "
        "visit within 7 calendar days of a discharge home (month of discharge).",
    )
