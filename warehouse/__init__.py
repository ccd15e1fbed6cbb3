"""Where the data lives: settings, connections, the raw layer and the read API.

Readers (dashboards, registers, notebooks) use only `connect()` and `read_mart()`, and `warehouse.metrics` for
the figures computed from marts (DNA rate, share within the wait standard, weighted lead times...), so every
reader shows the same number; the pipelines use the raw-layer loaders in `warehouse.raw` and
`warehouse.ingest`.
"""

from warehouse.connection import connect
from warehouse.read import list_marts, read_mart, read_sql
from warehouse.settings import Settings, get_settings

__all__ = ["Settings", "connect", "get_settings", "list_marts", "read_mart", "read_sql"]
