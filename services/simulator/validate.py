"""A self-check of a landing folder against the contract: every rule the ingest enforces (types, nulls,
vocabularies, ranges, patterns, keys, references to earlier rows, the cross-row rules), run by the
contract's own executor over the files, so the simulator can never disagree with the warehouse about a
rule. Used by the tests and handy after a large run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from services.contract import TABLES, arrow_schema
from services.contract.check import Broken, check, context_tables
from services.contract.landing import landed_days


def read_table(landing: Path, name: str) -> pa.Table:
    """All rows of a table in the landing folder (every partition of a transaction table, with `_day`);
    none for a table the folder lacks."""
    t = TABLES[name]
    if t.kind == "reference":
        path = Path(landing) / name / "part-0.parquet"
        return pq.read_table(path) if path.is_file() else arrow_schema(t).empty_table()
    if not landed_days(landing, name):
        return arrow_schema(t).empty_table().append_column("_day", pa.array([], pa.date32()))
    con = _duck()
    tbl = con.sql(
        f"""select * exclude (date), cast(date as date) as _day
        from read_parquet('{Path(landing) / name}/date=*/part-0.parquet', hive_partitioning = true)"""
    ).to_arrow_table()
    # DuckDB hands back its own field nullability; keep the contract's schema for the checks
    schema = arrow_schema(t)
    return pa.Table.from_arrays(
        [tbl.column(f.name).cast(f.type) for f in schema] + [tbl.column("_day")],
        schema=pa.schema(list(schema) + [pa.field("_day", pa.date32())], metadata=schema.metadata),
    )


def check_table(
    name: str, tbl: pa.Table, context: dict[str, pa.Table] | None = None, load_date: dt.date | None = None
) -> list[str]:
    """Problems of one table's rows, one line per (column, rule) broken: how many rows and the first.

    The rules are the contract's, run by its executor (`services.contract.check`) as the ingest runs
    them; `context` holds the other tables' rows the rules look at (without it, only the rows' own rules
    and keys are checked). `tbl` may carry `_day`, its rows' partition day."""
    problems = []
    if not tbl.select(TABLES[name].column_names).schema.equals(arrow_schema(TABLES[name])):
        problems.append(f"{name}: not written with the contract's Arrow schema")  # the producer's promise
    by_rule: dict[tuple[str, str], list[Broken]] = {}
    for b in check(name, tbl, context, load_date=load_date):
        by_rule.setdefault((b.column, b.rule), []).append(b)
    for (column, rule), found in by_rule.items():
        first = found[0]
        problems.append(
            f"{name}.{column}: {rule}: {len(found)} rows (first: row {first.row}, {first.reason})"
        )
    return problems


def check_landing(landing: Path) -> list[str]:
    """Every problem found in the folder, per table and rule; an empty list means it keeps the contract.

    Each table is checked with the rows of the tables its rules look at (a booking's patient and slot),
    and the patients' dates against the city's today (the day after its last landed day, or today)."""
    landing = Path(landing)
    tables = {name: read_table(landing, name) for name in TABLES}
    last = max((d for name in TABLES for d in landed_days(landing, name)), default=None)
    load_date = max(dt.date.today(), last + dt.timedelta(days=1)) if last else dt.date.today()
    problems = [
        f"{name}: no snapshot in the folder"
        for name, t in TABLES.items()
        if t.kind == "reference" and not (landing / name / "part-0.parquet").is_file()
    ]
    for name, tbl in tables.items():
        context = {c: tables[c] for c in context_tables(name) if c != name}
        problems += check_table(name, tbl, context, load_date)
    return problems


def _duck():
    import duckdb

    return duckdb.connect()
