"""A self-check of a landing folder against the contract: types, nulls, vocabularies, ranges, patterns, keys
and the referential order the ingest enforces. Used by the tests and handy after a large run."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from services.contract import TABLES, arrow_schema
from services.contract.landing import landed_days

MAX_REFERENCE_AGE_DAYS = 90


def read_table(landing: Path, name: str) -> pa.Table:
    """All rows of a table in the landing folder (every partition of a transaction table), with `_day`."""
    t = TABLES[name]
    if t.kind == "reference":
        return pq.read_table(Path(landing) / name / "part-0.parquet")
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


def check_table(name: str, tbl: pa.Table) -> list[str]:
    """Problems of one table's rows against its contract declaration."""
    problems = []
    t = TABLES[name]
    schema = arrow_schema(t)
    data = tbl.select(schema.names)
    if not data.schema.equals(schema):
        problems.append(f"{name}: schema differs from the contract")
    for col in t.columns:
        a = data.column(col.name)
        if not col.nullable and a.null_count:
            problems.append(f"{name}.{col.name}: {a.null_count} nulls")
        v = a.drop_null()
        if len(v) == 0:
            continue
        if col.allowed is not None:
            bad = pc.sum(pc.invert(pc.is_in(v, pa.array(col.allowed)))).as_py()
            if bad:
                problems.append(f"{name}.{col.name}: {bad} values outside {col.allowed}")
        if col.min is not None and pc.min(v).as_py() < col.min:
            problems.append(f"{name}.{col.name}: below {col.min}")
        if col.max is not None and pc.max(v).as_py() > col.max:
            problems.append(f"{name}.{col.name}: above {col.max}")
        if col.pattern is not None:
            bad = pc.sum(pc.invert(pc.match_substring_regex(v, col.pattern))).as_py()
            if bad:
                problems.append(f"{name}.{col.name}: {bad} values not matching {col.pattern}")
    if t.primary_key and data.num_rows:
        keys = data.group_by(list(t.primary_key)).aggregate([]).num_rows
        if keys != data.num_rows:
            problems.append(f"{name}: {data.num_rows - keys} duplicate keys {t.primary_key}")
    if t.kind == "transaction" and "_day" in tbl.column_names and tbl.num_rows:
        occurred_day = pc.cast(pc.cast(tbl.column("occurred_at"), pa.timestamp("s")), pa.date32())
        if not pc.all(pc.equal(occurred_day, tbl.column("_day"))).as_py():
            problems.append(f"{name}: rows outside the partition of their occurred_at")
    return problems


def check_landing(landing: Path) -> list[str]:
    """Every problem found in the folder; an empty list means it keeps the contract."""
    landing = Path(landing)
    problems = []
    tables = {name: read_table(landing, name) for name in TABLES}
    for name, tbl in tables.items():
        problems += check_table(name, tbl)
    # references: to an event in the same or an earlier partition, at most 90 days earlier
    for name, t in TABLES.items():
        for col in t.columns:
            if col.references is None or tables[name].num_rows == 0:
                continue
            ref_table, ref_col = col.references
            con = _duck()
            con.register("child", tables[name].select([col.name, "_day"]))
            con.register("parent", tables[ref_table].select([ref_col, "_day"]))
            bad = con.execute(
                f"""select count(*) from child c left join parent p on c.{col.name} = p.{ref_col}
                where p.{ref_col} is null or p._day > c._day
                   or c._day - p._day > {MAX_REFERENCE_AGE_DAYS}"""
            ).fetchone()[0]
            if bad:
                problems.append(f"{name}.{col.name}: {bad} rows without an earlier {ref_table}.{ref_col}")
    return problems


def _duck():
    import duckdb

    return duckdb.connect()
