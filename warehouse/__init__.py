"""Where the data lives: settings, connections, the raw layer and the read API.

Readers (dashboards, registers, notebooks) use only `connect()` and `read_mart()`, and `warehouse.metrics` for
the figures computed from marts (DNA rate, share within the wait standard, weighted lead times...), so every
reader shows the same number. The pipelines use the raw layer's loaders in `warehouse.ingest` (`load_days`,
`load_snapshot`, `reconcile_days`, `load_outbox`), which check rows with the contract's rules
(`services.contract.rules`) and write through `warehouse.targets`; `warehouse.raw` holds the raw layer's
DDL, and `warehouse.watermarks` the jobs' state (the landed days waiting to load, what dbt has built).
"""

from warehouse.connection import connect
from warehouse.read import list_marts, read_mart, read_sql
from warehouse.settings import Settings, get_settings

__all__ = ["Settings", "connect", "get_settings", "list_marts", "read_mart", "read_sql"]
