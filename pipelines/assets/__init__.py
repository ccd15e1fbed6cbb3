"""Assets, grouped by what they produce: raw tables (ingest) and the dbt models (warehouse)."""
