"""Facility comparison (chief physicians): one facility against its peers of the same kind.

Funnel plots with 95% and 99.8% control limits (registers.funnel_limits) for the DNA rate, the share seen
within the wait standard and the cost per visit; then a drill-down to the facility's specialties and
doctors. A chief physician sees their own facility in detail and the peers only as anonymous points.
"""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components import format as fmt
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table
from dashboards.roles import CHIEF_PHYSICIAN

user, chosen = open_page("facility_comparison")
peers_named = user.role != CHIEF_PHYSICIAN

with section():
    facility = data.facility_profile(chosen.facility_id)
    if facility is None:
        st.info("Choose a facility in the sidebar to compare it with its peers.")
        st.stop()
    kind = fmt.FACILITY_KIND_NAMES.get(facility["facility_kind"], facility["facility_kind"])
    st.markdown(f"**{facility['facility_name']}** — peers: every {kind.lower()} of the city")

with section("Against peers of the same kind"):
    funnels = data.facility_funnels(
        chosen.start, chosen.end, facility["facility_kind"], chosen.facility_id, peers_named
    )
    common = {"highlight": chosen.facility_id}
    left, middle, right = st.columns(3)
    left.plotly_chart(
        figures.funnel_plot(
            funnels,
            count="no_shows",
            denominator="booked_outcomes",
            label=fmt.label("dna_rate"),
            title="DNA rate",
            **common,
        ),
        key="funnel_dna",
    )
    middle.plotly_chart(
        figures.funnel_plot(
            funnels,
            count="seen_within_standard",
            denominator="access_attended",
            label=fmt.label("within_standard_share"),
            title="Seen within the wait standard",
            **common,
        ),
        key="funnel_within_standard",
    )
    right.plotly_chart(
        figures.cost_funnel(funnels, title="Cost per visit (₽)", **common),
        key="funnel_cost",
    )
    show_table(
        data.facility_peer_table(
            chosen.start, chosen.end, facility["facility_kind"], chosen.facility_id, peers_named
        ),
        "facility_peers",
        title="comparison",
    )

with section("Drill down: specialties of this facility"):
    show_table(
        data.facility_specialties(chosen.start, chosen.end, chosen.facility_id),
        "facility_specialties",
        title="specialties",
    )

with section("Drill down: doctors of this facility"):
    doctors = data.facility_doctors(chosen.start, chosen.end, chosen.facility_id, chosen.specialty_id)
    st.plotly_chart(figures.doctor_load_histogram(doctors), key="chart_facility_doctors")
    show_table(doctors, "facility_doctors", title="doctors")

with section("Avoidable admissions of the attached adults (AHRQ PQI)"):
    pqi = st.selectbox(
        "Prevention Quality Indicator",
        list(fmt.PQI_NAMES),
        format_func=fmt.PQI_NAMES.get,
        key="avoidable_pqi",
    )
    year = chosen.end.year
    st.caption(
        f"Admissions in {year} that good outpatient care can often prevent (AHRQ's Prevention Quality "
        "Indicators, WHO ICD-10), of the adults attached to each polyclinic, per 100,000 attached residents "
        "of the measure's ages, age-sex standardised (European Standard Population 2013). Peers: every "
        f"{kind.lower()}; limits around their pooled rate (PHE's funnel method)."
    )
    st.plotly_chart(
        figures.avoidable_funnel(
            data.avoidable_funnel(year, pqi, facility["facility_kind"], chosen.facility_id, peers_named),
            title=f"{fmt.PQI_NAMES[pqi]}: standardised rate per 100,000, {year}",
            highlight=chosen.facility_id,
        ),
        key="funnel_avoidable",
    )
    show_table(
        data.avoidable_table(year, pqi, facility["facility_kind"], chosen.facility_id, peers_named),
        "avoidable_admissions",
        title="avoidable admissions",
    )
