"""Settings of the warehouse: which target, and where its data lives. Read from the environment only.

EMIAS_DATA_DIR   folder of the landing files and the DuckDB file (default ./data)
EMIAS_TARGET     duckdb (default) or postgres
EMIAS_DUCKDB_PATH  the DuckDB file (default $EMIAS_DATA_DIR/warehouse.duckdb)
PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE   the PostgreSQL target, as libpq reads them

Relative paths are taken from the project's root folder, wherever the process starts (a notebook's
kernel starts in `notebooks/`): the rule lives with the landing layout in `services.contract.landing`,
which the API's settings share.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from services.contract.landing import data_dir as landing_data_dir
from services.contract.landing import project_path

Target = Literal["duckdb", "postgres"]
TARGETS: tuple[str, ...] = ("duckdb", "postgres")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    target: Target
    duckdb_path: Path

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def postgres_conninfo(self) -> dict[str, str]:
        """libpq keywords from the standard PG* variables (psycopg also reads them itself)."""
        env = os.environ
        return {
            "host": env.get("PGHOST", "localhost"),
            "port": env.get("PGPORT", "5432"),
            "user": env.get("PGUSER", "postgres"),
            "password": env.get("PGPASSWORD", ""),
            "dbname": env.get("PGDATABASE", "emias"),
        }


def get_settings(target: str | None = None) -> Settings:
    data_dir = landing_data_dir()
    chosen = (target or os.environ.get("EMIAS_TARGET") or "duckdb").lower()
    if chosen not in TARGETS:
        raise ValueError(f"unknown warehouse target {chosen!r}: choose one of {', '.join(TARGETS)}")
    duckdb_path = project_path(os.environ.get("EMIAS_DUCKDB_PATH") or data_dir / "warehouse.duckdb")
    return Settings(data_dir=data_dir, target=chosen, duckdb_path=duckdb_path)  # type: ignore[arg-type]
