"""Shared steps of the register tests: a raw load through the ingest, the register models built alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.dbt import DBT_PROJECT_DIR
from services.contract.landing import landed_days
from warehouse.ingest import load_days, load_order, load_snapshot, target_for

# the register marts and everything upstream of them (staging views, intermediate models), with their tests
REGISTER_MODELS = "+path:models/marts/registers"


def bulk_load_raw(duckdb_path: Path, landing: Path) -> None:
    """Load every landing file into raw.* with the ingest itself: each snapshot, then each transaction
    table over all its days in one validating statement set (seconds for a simulated year)."""
    with duckdb.connect(str(duckdb_path)) as con:
        target = target_for(con)
        target.ensure_raw_schema()
        for table in load_order():
            if table.kind == "reference":
                load_snapshot(target, landing, table)
            else:
                load_days(target, landing, table, landed_days(landing, table.name))


def run_dbt(args: list[str], env: dict[str, str], target: str = "duckdb") -> subprocess.CompletedProcess:
    """Run the dbt command line on the project (as pipelines.dbt does), failing with dbt's output."""
    cmd = [
        str(Path(sys.executable).parent / "dbt"),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        target,
        "--target-path",
        f"target-{target}",
    ]
    full_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env}
    result = subprocess.run(cmd, env=full_env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result


def build_register_models(duckdb_path: Path, registers_dir: Path | None = None) -> None:
    """Load the register definitions into raw and `dbt build` the register models alone (DuckDB)."""
    from registers.warehouse import load_register_tables

    con = duckdb.connect(str(duckdb_path))
    try:
        load_register_tables(con, registers_dir)
    finally:
        con.close()
    # cautious: leave out tests that also read models outside the selection (they would not exist here)
    run_dbt(
        ["build", "--select", REGISTER_MODELS, "--indirect-selection", "cautious"],
        {"EMIAS_DUCKDB_PATH": str(duckdb_path)},
    )
