"""Data freshness and quality: the last loaded partition per source, reconciliation, and the contract's
checks per rule with the rows they quarantined this week and the first examples.

Read from the quality marts (dbt_project/models/marts/quality) over the ingest's load log and quarantine.
"""

import streamlit as st

from dashboards import data
from dashboards.components import format as fmt
from dashboards.components.page import metric, open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("data_quality")

with section("Last loaded partition per source"):
    freshness = data.load_freshness()
    cols = st.columns(3)
    metric(cols[0], "last_partition_date", freshness["last_partition_date"].max())
    metric(cols[1], "quarantined_rows", freshness["quarantined_rows"].sum())
    metric(cols[2], "unreconciled_partitions", freshness["unreconciled_partitions"].sum())
    show_table(freshness, "load_freshness", title="sources")

with section("Failing checks: partitions that do not reconcile (landing = loaded + quarantined)"):
    failing = data.failing_reconciliations()
    if failing.is_empty():
        st.success("Every loaded partition reconciles.")
    show_table(failing, "failing_reconciliations", title="failing partitions")

with section("Checks per rule"):
    checks = data.quality_checks()
    week = data.quality_week()
    if week is None:
        st.success("No check has caught a row: every row exported keeps the contract's rules.")
    else:
        this_week = fmt.value(week["week_start"], "date")
        latest = fmt.value(week["latest_partition_date"], "date")
        st.caption(
            f"This week is the week starting {this_week}, the latest week loaded (its latest day: {latest}). "
            "A check is one rule of the export contract on one column of a source table; rows that break "
            "it are quarantined, not loaded. A row counts in the week of its day (a reference snapshot's "
            "rows: the day of their load); a row that broke several rules counts under each."
        )
        cols = st.columns(2)
        metric(cols[0], "checks", week["checks_this_week"], label="Checks that caught rows this week")
        metric(
            cols[1], "checks", week["checks_previous_week"], label="Checks that caught rows the week before"
        )
    show_table(checks, "quality_checks", title="checks per rule")

with section("First examples per check"):
    st.caption(
        "The latest day each check caught rows first, in file and row order. Patient identifiers are not "
        "shown; the whole row stays in the warehouse's quarantine. Day empty: a reference snapshot."
    )
    show_table(data.quality_check_examples(), "quality_check_examples", title="examples")
