"""Fixtures of the mart tests: a copy of the small city's DuckDB warehouse, and dbt run on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DBT_PROJECT = Path(__file__).resolve().parents[3] / "dbt_project"


def run_dbt(
    args: list[str],
    duckdb_path: Path | None = None,
    window: tuple[str, str] | None = None,
    *,
    postgres_database: str | None = None,
) -> subprocess.CompletedProcess:
    """`dbt <args>` on a DuckDB file (or a database of the test PostgreSQL server); with a window, the
    daily models build those days only."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if postgres_database:
        target, env["PGDATABASE"] = "postgres", postgres_database
    else:
        target, env["EMIAS_DUCKDB_PATH"] = "duckdb", str(duckdb_path)
    env.pop("EMIAS_WINDOW_START", None)
    env.pop("EMIAS_WINDOW_END", None)
    if window:
        env |= {"EMIAS_WINDOW_START": window[0], "EMIAS_WINDOW_END": window[1]}
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--profiles-dir", ".", "--target", target]
        + ["--target-path", f"target-{target}"],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def warehouse_copy(built_city, tmp_path) -> Path:
    """A copy of the built small city's warehouse that a test may change."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_city["data_dir"] / "warehouse.duckdb", copy)
    return copy
