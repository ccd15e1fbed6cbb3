"""Data freshness and quality: the last loaded partition per source, reconciliation and quarantined rows.

Read from the quality marts (dbt_project/models/marts/quality) over the ingest's load log and quarantine.
"""

import streamlit as st

from dashboards import data
from dashboards.components.page import open_page, section
from dashboards.components.tables import show_table

user, chosen = open_page("data_quality")

with section("Last loaded partition per source"):
    freshness = data.load_freshness()
    cols = st.columns(3)
    cols[0].metric("Last day loaded", str(freshness["last_partition_date"].max()))
    cols[1].metric("Rows quarantined", f"{freshness['quarantined_rows'].sum():,}")
    cols[2].metric("Partitions not reconciled", f"{freshness['unreconciled_partitions'].sum():,}")
    show_table(freshness, "load_freshness")

with section("Failing checks: partitions that do not reconcile (landing = loaded + quarantined)"):
    failing = data.failing_reconciliations()
    if failing.is_empty():
        st.success("Every loaded partition reconciles.")
    show_table(failing, "failing_reconciliations")

with section("Quarantined rows by reason"):
    show_table(data.quarantine_reasons(), "quarantine_reasons")
