"""The register definitions as warehouse tables: what the Dagster asset `raw/register_*` loads.

The YAML files are the source of truth; the warehouse gets three plain tables in the `raw` schema so dbt can
join diagnoses and prescriptions to them (declared as the dbt source `registers`):

- `raw.register_definitions`: one row per register (titles, entry rule, exit rules, age limits, the
  calibration target);
- `raw.register_code_sets`: one row per (register_code, icd10_category), exclusions removed;
- `raw.register_atc_groups`: one row per (register_code, atc_prefix), the guideline drug groups.

Each load replaces the three tables whole (they are small), so removing a YAML file removes its register.
A build loads them only when the definitions changed (`refresh_register_tables`): their `_loaded_at` then
tells the dbt step that the register models need rebuilding (warehouse/watermarks.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

from registers.definitions import Register, code_set_rows, load_registers

__all__ = ["REGISTER_TABLES", "load_register_tables", "refresh_register_tables", "register_table_rows"]

RAW_SCHEMA = "raw"

#: Table name -> (column, SQL type) in load order; the types are the same words on DuckDB and PostgreSQL.
REGISTER_TABLES: dict[str, list[tuple[str, str]]] = {
    "register_definitions": [
        ("register_code", "varchar"),
        ("title_en", "varchar"),
        ("title_ru", "varchar"),
        ("icd10_ranges", "varchar"),
        ("exclusions", "varchar"),
        ("entry_rule", "varchar"),
        ("exits_on_death", "boolean"),
        ("exits_on_deregistration", "boolean"),
        ("min_age", "integer"),
        ("max_age", "integer"),
        ("atc_groups", "varchar"),
        ("target_prevalence_per_100k", "double precision"),
        ("target_incidence_per_100k_year", "double precision"),
        ("target_denominator", "varchar"),
        ("target_is_estimate", "boolean"),
        ("target_source", "varchar"),
        ("_loaded_at", "timestamp"),
    ],
    "register_code_sets": [
        ("register_code", "varchar"),
        ("icd10_category", "varchar"),
        ("_loaded_at", "timestamp"),
    ],
    "register_atc_groups": [
        ("register_code", "varchar"),
        ("atc_prefix", "varchar"),
        ("_loaded_at", "timestamp"),
    ],
}


def _definition_row(r: Register) -> dict[str, Any]:
    cal = r.calibration
    return {
        "register_code": r.code,
        "title_en": r.title_en,
        "title_ru": r.title_ru,
        "icd10_ranges": ", ".join(r.icd10),
        "exclusions": ", ".join(r.exclusions),
        "entry_rule": r.entry_rule,
        "exits_on_death": "death" in r.exit_rules,
        "exits_on_deregistration": "deregistration" in r.exit_rules,
        "min_age": r.min_age,
        "max_age": r.max_age,
        "atc_groups": ", ".join(r.atc_groups),
        "target_prevalence_per_100k": cal.prevalence_per_100k if cal else None,
        "target_incidence_per_100k_year": cal.incidence_per_100k_year if cal else None,
        "target_denominator": cal.denominator if cal else None,
        "target_is_estimate": cal.estimate if cal else None,
        "target_source": cal.source if cal else None,
    }


def register_table_rows(registers: list[Register] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The rows of the three register tables (without `_loaded_at`), from the definitions folder."""
    registers = load_registers() if registers is None else registers
    return {
        "register_definitions": [_definition_row(r) for r in registers],
        "register_code_sets": code_set_rows(registers),
        "register_atc_groups": [
            {"register_code": r.code, "atc_prefix": a} for r in registers for a in r.atc_groups
        ],
    }


def load_register_tables(con: Any, folder: str | Path | None = None) -> dict[str, int]:
    """Replace raw.register_* on a write connection (DuckDB or psycopg) with the definitions of `folder`.

    folder: the definitions folder; default $EMIAS_REGISTERS_DIR or the shipped one. The definitions are
    read and checked before anything is written, so a malformed file leaves the warehouse as it was.
    Returns the rows written per table.
    """
    return _write(con, register_table_rows(load_registers(folder)))


def refresh_register_tables(con: Any, folder: str | Path | None = None) -> tuple[dict[str, int], bool]:
    """Load the definitions of `folder` (as `load_register_tables`) only when they differ from the register
    tables in the warehouse, or those are missing. Returns the rows per table and whether they were
    loaded; unchanged definitions leave the tables as they are (and, on PostgreSQL, the dbt views on them).
    """
    rows = register_table_rows(load_registers(folder))
    if _held(con) == _as_held(rows):
        return {name: len(rows[name]) for name in REGISTER_TABLES}, False
    return _write(con, rows), True


def _as_held(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Counter]:
    """The rows of each table as a multiset of value tuples (column order of REGISTER_TABLES)."""
    return {
        name: Counter(tuple(row.get(c) for c, _ in columns if c != "_loaded_at") for row in rows[name])
        for name, columns in REGISTER_TABLES.items()
    }


def _held(con: Any) -> dict[str, Counter] | None:
    """The register tables' rows in the warehouse (as `_as_held`), or None when one of them is missing."""
    names = ", ".join(f"'{name}'" for name in REGISTER_TABLES)
    ((present,),) = con.execute(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{RAW_SCHEMA}' and table_name in ({names})"
    ).fetchall()
    if present < len(REGISTER_TABLES):
        return None
    held = {}
    for name, columns in REGISTER_TABLES.items():
        cols = ", ".join(c for c, _ in columns if c != "_loaded_at")
        held[name] = Counter(map(tuple, con.execute(f"select {cols} from {RAW_SCHEMA}.{name}").fetchall()))
    return held


def _write(con: Any, rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    # the clock of the ingest's loads (raw.raw_load_log), which the dbt step compares it with
    loaded_at = dt.datetime.now()
    is_duckdb = isinstance(con, duckdb.DuckDBPyConnection)
    mark = "?" if is_duckdb else "%s"
    # PostgreSQL keeps the dbt staging views on these tables: they go with the table, and the dbt build
    # that follows every load creates them again
    cascade = "" if is_duckdb else " cascade"
    statements: list[tuple[str, list[list[Any]]]] = [(f"create schema if not exists {RAW_SCHEMA}", [])]
    for name, columns in REGISTER_TABLES.items():
        ddl = ", ".join(f"{c} {t}" for c, t in columns)
        names = [c for c, _ in columns]
        values = [[row.get(c, loaded_at) for c in names] for row in rows[name]]
        statements += [
            (f"drop table if exists {RAW_SCHEMA}.{name}{cascade}", []),
            (f"create table {RAW_SCHEMA}.{name} ({ddl})", []),
        ]
        if values:
            marks = ", ".join([mark] * len(names))
            insert = f"insert into {RAW_SCHEMA}.{name} ({', '.join(names)}) values ({marks})"
            statements.append((insert, values))
    if is_duckdb:
        con.execute("begin transaction")
        try:
            for sql, values in statements:
                if values:
                    con.executemany(sql, values)
                else:
                    con.execute(sql)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    else:
        # one transaction: readers never see a register without its code set
        with con.transaction(), con.cursor() as cur:
            for sql, values in statements:
                if values:
                    cur.executemany(sql, values)
                else:
                    cur.execute(sql)
    return {name: len(rows[name]) for name in REGISTER_TABLES}
