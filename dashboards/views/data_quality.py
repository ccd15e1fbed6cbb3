"""Data freshness and quality: the last loaded partition per source, reconciliation and quarantined rows.

Read from the quality marts (dbt_project/models/marts/quality) over the ingest's load log and quarantine.
"""

import streamlit as st

from dashboards import data
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

with section("Quarantined rows by reason"):
    show_table(data.quarantine_reasons(), "quarantine_reasons", title="reasons")
