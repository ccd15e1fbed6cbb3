"""Disease registers (epidemiologists): prevalence and incidence by okrug with limits, age-standardised
rates, an age-sex pyramid and dispensary coverage, for a register chosen from the definitions.

The page opens on the register with the most patients (the one whose rates are least often suppressed); each
chart says how many of its values it leaves out for counting fewer than 5 patients."""

import streamlit as st

from dashboards import data
from dashboards.components import figures
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("disease_registers")


with section():
    left, right = st.columns(2)
    years = data.register_years()
    year = right.selectbox(
        "Year", years, index=data.default_register_year(years, chosen.end), key="register_year"
    )
    choices = dict(data.registers_by_size(year))
    register = left.selectbox("Register", list(choices), format_func=lambda c: choices[c], key="register")

    with section("Prevalence by okrug (per 100,000 at risk, 95% limits)"):
        prevalence = data.register_rates(register, year, "prevalence", ("okrug",), with_city=True)
        left, right = st.columns(2)
        left.plotly_chart(
            figures.rates_with_limits(
                prevalence,
                "okrug_id",
                "crude_rate",
                "crude_lower95_0cl",
                "crude_upper95_0cl",
                "Crude prevalence",
            ),
            key="chart_prevalence",
        )
        right.plotly_chart(
            figures.funnel_plot(
                prevalence.filter(prevalence["okrug_id"].is_not_null()),
                count="registered_patients",
                denominator="population",
                label="per 100,000",
                title="Okrugs against the city (funnel)",
                statistic="rate",
                multiplier=100_000,
                names="okrug_name",
                key="okrug_id",
                points="Okrugs",
                y_format=",.0f",
            ),
            key="chart_prevalence_funnel",
        )
        show_table(
            prevalence,
            "register_prevalence",
            caption="Age-standardised on the European Standard Population 2013.",
            title="prevalence",
        )

    with section("Incidence by okrug (new cases per 100,000 a year, 95% limits)"):
        incidence = data.register_rates(register, year, "incidence", ("okrug",), with_city=True)
        st.plotly_chart(
            figures.rates_with_limits(
                incidence,
                "okrug_id",
                "crude_rate",
                "crude_lower95_0cl",
                "crude_upper95_0cl",
                "Crude incidence",
            ),
            key="chart_incidence",
        )
        show_table(
            incidence,
            "register_incidence",
            caption="The age-standardised rate (ESP 2013) is reported from 10 new cases.",
            title="incidence",
        )

    with section("Age and sex"):
        pyramid = data.register_rates(register, year, "prevalence", ("sex", "age_band"))
        st.plotly_chart(
            figures.age_sex_pyramid(pyramid, "crude_rate", "Prevalence by age and sex"), key="chart_pyramid"
        )
        show_table(pyramid, "register_age_sex", title="age and sex")

    with section("Dispensary coverage"):
        coverage = data.register_coverage(register, year)
        st.plotly_chart(
            figures.rates_with_limits(
                coverage,
                "okrug_id",
                "visit_pct",
                "visit_lower95_0cl",
                "visit_upper95_0cl",
                "Registered patients with a dispensary visit in 12 months (%)",
            ),
            key="chart_coverage",
        )
        show_table(coverage, "register_coverage", title="coverage")
