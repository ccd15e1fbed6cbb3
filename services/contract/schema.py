"""How a contract table is declared, and the Arrow schema derived from a declaration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

# Bump the minor version for an added nullable column, the major version for anything a reader must
# change for. Files carry the version in their Parquet metadata.
CONTRACT_VERSION = "1.0"

LogicalType = Literal["string", "int64", "int32", "float64", "bool", "date", "timestamp"]

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "int32": pa.int32(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}


# A logical type's SQL type in each warehouse dialect (the raw layer's columns, the rules' casts)
SQL_TYPES = {
    "duckdb": {
        "string": "varchar",
        "int64": "bigint",
        "int32": "integer",
        "float64": "double",
        "bool": "boolean",
        "date": "date",
        "timestamp": "timestamp",
    },
    "postgres": {
        "string": "varchar",
        "int64": "bigint",
        "int32": "integer",
        "float64": "double precision",
        "bool": "boolean",
        "date": "date",
        "timestamp": "timestamp",
    },
}


def sql_type(logical: str, dialect: str) -> str:
    """The SQL type of a logical type in `dialect` ("duckdb" or "postgres"); KeyError for others."""
    return SQL_TYPES[dialect][logical]


@dataclass(frozen=True)
class Column:
    """One column and the rules a value must keep (checked row by row at ingest)."""

    name: str
    type: LogicalType
    description: str
    nullable: bool = False
    allowed: tuple[str, ...] | None = None  # closed vocabulary
    min: float | None = None
    max: float | None = None
    pattern: str | None = None  # a regular expression the whole value must match
    # (table, column) that must already hold this value; checked for transactions at ingest
    references: tuple[str, str] | None = None


# `CrossRowRule.than` naming the date the load runs on, instead of a column
LOAD_DATE = "load_date"


@dataclass(frozen=True)
class Lookup:
    """How a row finds the one row of another table it is about: its column `key` equals the other
    table's primary key `table_key` (e.g. diagnosis_recorded.patient_id -> patients.patient_id)."""

    key: str
    table: str
    table_key: str


@dataclass(frozen=True)
class CrossRowRule:
    """A rule comparing a row's date with another date: of the row the `lookup` finds, of the same row
    (no lookup), or the load's date (`than` = LOAD_DATE). Checked at ingest inside the set-based load.

    The row keeps the rule when `column` `op` `than` (+ `grace_days` for "<=") holds, compared as dates,
    or when either side is null (no looked-up row, no death date: other rules own those). `name` is the
    check's name in OHDSI's Data Quality Dashboard where it has one; `action` "quarantine" sends a
    breaking row to raw.raw_quarantine with `<column>: <name>: ...` as its reason. `description` says
    why the rule holds and why its action was chosen.
    """

    name: str
    column: str
    op: Literal[">=", "<="]
    than: str  # a column of the looked-up row (with `lookup`) or of the same row, or LOAD_DATE
    description: str
    lookup: Lookup | None = None
    grace_days: int = 0
    # quarantine only for now: "flag" (load the row and count it in a data-quality mart) comes with that mart
    action: Literal["quarantine"] = "quarantine"


@dataclass(frozen=True)
class Table:
    """A contract table: a reference snapshot or an append-only, day-partitioned transaction."""

    name: str
    kind: Literal["reference", "transaction"]
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = field(default=())
    cross_row_rules: tuple[CrossRowRule, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"contract table {self.name!r} has no column {name!r}")


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema a producer writes a table's Parquet files with."""
    fields = [pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in table.columns]
    return pa.schema(
        fields,
        metadata={"emias.contract.table": table.name, "emias.contract.version": CONTRACT_VERSION},
    )
