"""Edit a landing folder the way a re-export would: a day's files or a reference snapshot replaced by a new
file holding the rows it should hold (services/contract/landing.py describes the layout)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq

from services.contract import TABLES, arrow_schema, table
from services.contract.landing import reference_dir, transaction_dir

PART = "part-0.parquet"


def copy_days(source: Path, target: Path, last: dt.date) -> None:
    """Copy a landing folder, its transaction days up to `last` only."""

    def later_days(_folder, names):
        return [n for n in names if n.startswith("date=") and n > f"date={last.isoformat()}"]

    shutil.copytree(source, target, ignore=later_days)


def _read(folder: Path, name: str) -> pl.DataFrame:
    files = sorted(folder.glob("*.parquet"))
    schema = arrow_schema(table(name))
    parts = [pl.from_arrow(pq.read_table(f, schema=schema)) for f in files]
    return pl.concat(parts) if parts else pl.from_arrow(schema.empty_table())


def _write(folder: Path, name: str, rows: pl.DataFrame) -> None:
    for old in folder.glob("*.parquet"):
        old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(rows.to_arrow().cast(arrow_schema(table(name))), folder / PART)


def day_rows(landing: Path, name: str, day: dt.date) -> pl.DataFrame:
    """The rows a transaction table's files hold for a day."""
    return _read(transaction_dir(landing, name, day), name)


def rewrite_day(landing: Path, name: str, day: dt.date, rows: pl.DataFrame) -> None:
    """Replace a day's files of a transaction table by one file of `rows` (none: an empty file)."""
    _write(transaction_dir(landing, name, day), name, rows)


def snapshot_rows(landing: Path, name: str) -> pl.DataFrame:
    """The rows of a reference snapshot."""
    return _read(reference_dir(landing, name), name)


def rewrite_snapshot(landing: Path, name: str, rows: pl.DataFrame) -> None:
    """Replace a reference snapshot by one file of `rows`."""
    _write(reference_dir(landing, name), name, rows)


def landed(landing: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view over each table's landing files (a transaction's rows with their
    `day`), to pick the rows an edit changes."""
    con = duckdb.connect()
    for name, spec in TABLES.items():
        if spec.kind == "transaction":
            files = f"read_parquet('{Path(landing) / name}/date=*/*.parquet', hive_partitioning = true)"
            rows = f"select * exclude (date), cast(date as date) as day from {files}"
        else:
            rows = f"select * from read_parquet('{Path(landing) / name}/*.parquet')"
        con.execute(f"create view {name} as {rows}")
    return con
