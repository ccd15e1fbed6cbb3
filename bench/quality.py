"""Benchmark of the data-quality marts per check (on demand, not in CI), printed as a table.

    .venv/bin/python bench/quality.py --rows 10000 100000 1000000 [--days 60] [--target duckdb|postgres]

For each size N it writes N quarantined rows into a fresh warehouse's raw.raw_quarantine (reasons in the
ingest's format, one to three rules a row, over `--days` day partitions of eight tables, with the load log
that goes with them), then times `dbt build` of the quality marts, models and seed without tests
(int_quarantine_reasons_split, mart_load_reconciliation, mart_quality_checks, mart_quality_check_examples):
dbt's own time per model from
its run_results.json, and the wall time of the process (start-up and parse included). The marts are
tables rebuilt on every build, so their cost follows the rows quarantined held, not the rows loaded.
PostgreSQL: the PG* variables name the server; a database is made and dropped per size.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.integration.marts.conftest, run as a script

from tests.integration.marts.conftest import run_dbt  # noqa: E402
from warehouse.ingest import target_for  # noqa: E402

MODELS = ["int_quarantine_reasons_split", "mart_load_reconciliation", "mart_quality_checks"]
MODELS += ["mart_quality_check_examples", "contract_rules"]

# N rows of 1-3 reasons each, as the ingest writes them, over `days` partitions of 8 tables (DuckDB SQL)
PLANT = """
insert into raw.raw_quarantine
select
    'table_' || (i % 8) as table_name,
    date '2025-01-01' + cast(i % {days} as integer) as partition_date,
    'table_' || (i % 8) || '/date=2025-01-01/part-' || (i % 3) || '.parquet' as source_file,
    i as row_number,
    case i % 3
        when 0 then 'duration_min: plausibleValueLow: 0 is below the minimum 1'
        when 1 then 'patient_id: matchesPattern: x' || i || ' does not match ^[0-9a-f]{{16}}$; '
            || 'channel: allowedValues: pigeon is not an allowed value'
        else 'occurred_at: partitionDay: 2025-01-02 09:00:00 is not on the partition''s day 2025-01-01; '
            || 'slot_id: isForeignKey: ' || i || ' is unknown (no earlier slot_published row with this '
            || 'slot_id); event_id: isPrimaryKey: duplicate of an earlier row'
    end as reason,
    '{{}}' as row_json,
    'bench' as _load_id,
    timestamp '2025-03-01 00:00:00' as _loaded_at
from range({rows}) as t(i)
"""
LOG = """
insert into raw.raw_load_log
select 'table_' || t, date '2025-01-01' + cast(d as integer), 1, 1000000, 1000000 - {rows} // ({days} * 8),
    {rows} // ({days} * 8), 'bench', timestamp '2025-03-01 00:00:00', null
from range(8) as a(t), range({days}) as b(d)
"""


def _plant(con, rows: int, days: int) -> None:
    target = target_for(con)
    target.ensure_raw_schema()
    if hasattr(target, "vcon"):  # PostgreSQL: the rows are made in DuckDB and copied over
        for table, sql in (("raw_quarantine", PLANT), ("raw_load_log", LOG)):
            select = sql.format(rows=rows, days=days).split("\n", 2)[2]
            columns = [r[0] for r in con.execute(f"select * from raw.{table} limit 0").description]
            target.append(table, columns, select)
    else:
        con.execute(PLANT.format(rows=rows, days=days))
        con.execute(LOG.format(rows=rows, days=days))


def measure(rows: int, days: int, target: str, folder: Path) -> dict:
    if target == "duckdb":
        import duckdb

        path = folder / f"quality_{rows}.duckdb"
        con = duckdb.connect(str(path))
        _plant(con, rows, days)
        con.close()
        where = {"duckdb_path": path}
    else:
        import psycopg

        name = f"emias_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg.connect(dbname=os.environ.get("PGDATABASE") or "postgres", autocommit=True)
        admin.execute(f'create database "{name}"')
        with psycopg.connect(dbname=name, autocommit=True) as con:
            _plant(con, rows, days)
        where = {"postgres_database": name}
    try:
        started = time.perf_counter()
        selected = ["--select", "+mart_quality_checks", "+mart_quality_check_examples"]
        result = run_dbt(["build", *selected, "--resource-type", "model", "--resource-type", "seed"], **where)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(result.stdout[-3000:])
        results = json.loads((ROOT / "dbt_project" / f"target-{target}" / "run_results.json").read_text())
        per_model = {r["unique_id"].rsplit(".", 1)[-1]: r["execution_time"] for r in results["results"]}
        return {"rows": rows, "wall": wall, **per_model}
    finally:
        if target == "postgres":
            admin.execute(f'drop database if exists "{name}" with (force)')
            admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    args = parser.parse_args()
    console = Console(soft_wrap=True)
    table = Table(title=f"quality marts per check, {args.target}, {args.days} days (seconds)")
    for column in ["quarantined rows", "dbt process", "split (view)", "reconciliation", "checks", "examples"]:
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            m = measure(rows, args.days, args.target, Path(folder))
            table.add_row(f"{rows:,}", f"{m['wall']:.1f}", *(f"{m.get(name, 0):.2f}" for name in MODELS[:4]))
    console.print(table)


if __name__ == "__main__":
    main()
