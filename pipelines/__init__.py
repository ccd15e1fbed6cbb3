"""The Dagster code location and the `emias` command line.

`definitions.py` is the entry point: ingest assets (landing files -> raw), dbt assets (raw -> marts),
their checks, and the jobs, schedules and sensors that run them. `build.py` runs the same assets in
process for the command line and the tests.
"""
