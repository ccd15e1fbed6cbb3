"""`connect()`: one function that opens the warehouse, whichever target the settings choose."""

from __future__ import annotations

from typing import Any

import duckdb

from warehouse.settings import Settings, get_settings


class WarehouseNotBuiltError(RuntimeError):
    """The warehouse has not been built yet (no DuckDB file)."""


def connect(target: str | None = None, *, read_only: bool = True, settings: Settings | None = None) -> Any:
    """Open the warehouse: a DuckDB connection or a psycopg connection to PostgreSQL.

    Readers keep the default `read_only=True`: DuckDB allows one writer per file, and a reader must never
    block a build.
    """
    settings = settings or get_settings(target)
    if settings.target == "duckdb":
        path = settings.duckdb_path
        if read_only and not path.exists():
            raise WarehouseNotBuiltError(f"no warehouse at {path}: run `emias build` first")
        path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path), read_only=read_only)

    import psycopg

    conn = psycopg.connect(**settings.postgres_conninfo, autocommit=not read_only)
    if read_only:
        conn.read_only = True
    return conn
