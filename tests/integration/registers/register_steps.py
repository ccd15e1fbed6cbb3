"""Shared steps of the register tests: a quick raw load, the register models built alone, PG connection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.dbt import DBT_PROJECT_DIR
from services.contract import TABLES
from warehouse.raw import raw_schema_ddl

# the register marts and everything upstream of them (staging views, intermediate models), with their tests
REGISTER_MODELS = "+path:models/marts/registers"


def bulk_load_raw(duckdb_path: Path, landing: Path) -> None:
    """Load every landing file into raw.* in one statement per table, without the per-day validation.

    The ingest (tested in tests/integration/test_ingest.py) validates day by day, which takes minutes for a
    simulated year; the register tests need the same raw tables, not the validation, so they take this path.
    """
    con = duckdb.connect(str(duckdb_path))
    try:
        for stmt in raw_schema_ddl("duckdb"):
            con.execute(stmt)
        for table in TABLES.values():
            cols = ", ".join(table.column_names)
            if table.kind == "transaction":
                files = f"{landing}/{table.name}/date=*/*.parquet"
                extra = "cast(date as date), filename"
                reader = f"read_parquet('{files}', hive_partitioning = true, filename = true)"
                target = f"{cols}, _partition_date, _source_file"
            else:
                files = f"{landing}/{table.name}/*.parquet"
                extra = "filename"
                reader = f"read_parquet('{files}', filename = true)"
                target = f"{cols}, _source_file"
            if not list(landing.glob(files.removeprefix(f"{landing}/"))):
                continue
            con.execute(f"delete from raw.{table.name}")
            con.execute(
                f"insert into raw.{table.name} ({target}, _load_id, _loaded_at) "
                f"select {cols}, {extra}, 'bulk', current_timestamp from {reader}"
            )
    finally:
        con.close()


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


def bulk_load_raw_postgres(dbname: str, landing: Path) -> None:
    """`bulk_load_raw` for PostgreSQL: each landing table read by DuckDB and copied in as CSV."""
    import io

    import psycopg
    import pyarrow.csv as pacsv

    reader = duckdb.connect()
    with psycopg.connect(dbname=dbname, autocommit=True) as con:
        for stmt in raw_schema_ddl("postgres"):
            con.execute(stmt)
        for table in TABLES.values():
            cols = ", ".join(table.column_names)
            if table.kind == "transaction":
                files = f"{landing}/{table.name}/date=*/*.parquet"
                select = f"{cols}, cast(date as date) as _partition_date, filename as _source_file"
                source = f"read_parquet('{files}', hive_partitioning = true, filename = true)"
            else:
                files = f"{landing}/{table.name}/*.parquet"
                select = f"{cols}, filename as _source_file"
                source = f"read_parquet('{files}', filename = true)"
            if not list(landing.glob(files.removeprefix(f"{landing}/"))):
                continue
            load_cols = "'bulk' as _load_id, current_timestamp::timestamp as _loaded_at"
            data = reader.execute(f"select {select}, {load_cols} from {source}").to_arrow_table()
            buf = io.BytesIO()
            pacsv.write_csv(data, buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
            with con.cursor() as cur:
                cur.execute(f"delete from raw.{table.name}")
                names = ", ".join(data.column_names)
                with cur.copy(f"copy raw.{table.name} ({names}) from stdin with (format csv)") as copy:
                    copy.write(buf.getvalue())
    reader.close()
