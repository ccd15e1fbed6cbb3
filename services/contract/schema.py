"""How a contract table is declared, and the Arrow schema derived from a declaration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

# Bump the minor version for an added nullable column, the major version for anything a reader must
# change for. Files carry the version in their Parquet metadata.
CONTRACT_VERSION = "1.1"

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
    table's key `table_key` (e.g. diagnosis_recorded.patient_id -> patients.patient_id).

    `via` chains look-ups: `key` is then a column of the row `via` found, not of the row itself. An
    outcome finds its slot two hops away: `Lookup("slot_id", "slot_published", "slot_id",
    via=Lookup("appointment_id", "appointment_booked", "appointment_id"))`.

    A reference table's `table_key` is its primary key. A transaction table may hold more than one row
    of a key (a re-exported slot): the first row stands (the lowest event id), and only
    rows loaded in a bounded window before the looking row's day are looked at (`services.contract.
    rules`), so a day's check costs the same whatever the history held."""

    key: str
    table: str
    table_key: str
    via: Lookup | None = None

    @property
    def chain(self) -> tuple[Lookup, ...]:
        """The look-ups from the row outwards: (via's chain..., self)."""
        return (*self.via.chain, self) if self.via else (self,)


@dataclass(frozen=True)
class CrossRowRule:
    """A rule comparing a row's date or time with another one: of the row the `lookup` finds, of the
    same row (no lookup), or the load's date (`than` = LOAD_DATE). Checked at ingest inside the
    set-based load. OHDSI DQD's plausibleTemporalAfter is this kind of check, with a grace.

    With `compare` "date" the row keeps the rule when `column` `op` `than` holds compared as dates, the
    other side moved by `grace_days` in the row's favour (">=": value >= than - grace; "<=": value <=
    than + grace); with "timestamp", compared as times and moved by `grace_minutes`. It is kept too
    when either side is null (no looked-up row, no death date: other rules own those). `name` is the
    check's name in OHDSI's Data Quality Dashboard where it has one; `action` "quarantine" sends a
    breaking row to raw.raw_quarantine with `<column>: <name>: ...` as its reason. `description` says
    why the rule holds, why its grace and why its action were chosen.
    """

    name: str
    column: str
    op: Literal[">=", "<="]
    than: str  # a column of the looked-up row (with `lookup`) or of the same row, or LOAD_DATE
    description: str
    lookup: Lookup | None = None
    grace_days: int = 0
    compare: Literal["date", "timestamp"] = "date"
    grace_minutes: int = 0
    # quarantine only for now: "flag" (load the row and count it in a data-quality mart) comes with that mart
    action: Literal["quarantine"] = "quarantine"

    def __post_init__(self):
        if (self.grace_minutes and self.compare != "timestamp") or (
            self.grace_days and self.compare != "date"
        ):
            raise ValueError(f"{self.name}: grace_days goes with dates, grace_minutes with timestamps")


@dataclass(frozen=True)
class OneRowPerKey:
    """At most one row per value of `key` across the transaction `tables` (e.g. one outcome, attended
    or missed, per appointment). The first row of a key stands and every later one breaks the rule.

    "First" is the order the rows reach the warehouse in: a row already loaded on an earlier day comes
    first; within one load, a row of a table listed earlier in `tables` comes first (a table's rows are
    loaded after those of the tables before it), then the earlier `occurred_at`, then the lower event id.
    `tables` is ordered by precedence, so its order is part of the rule: say why in `description`.
    A repeat of a row (the same event id) is the primary key's rule (isPrimaryKey), not this one.
    The rows compared are those loaded in the REFERENCE_WINDOW_DAYS before the load
    (`services.contract.rules`): a day's check costs the same whatever the history held.
    """

    name: str
    key: str
    tables: tuple[str, ...]
    description: str
    action: Literal["quarantine"] = "quarantine"

    @property
    def column(self) -> str:
        """The column a breaking row's reason names: the key."""
        return self.key


@dataclass(frozen=True)
class NoOverlap:
    """No two rows with the same values of `group` (e.g. one doctor's slots) cover overlapping time:
    each row covers [`start`, `start` + `minutes` minutes), half-open, so back-to-back slots (one ends
    at 09:15, the next starts at 09:15) do not overlap, and a slot may run past midnight.

    Rows with the same `key` (a slot published again) are one thing and never compared. The later row
    of an overlapping pair breaks the rule: a row loaded on an earlier day comes first, then, within a
    load, the earlier `occurred_at` and the lower event id (every row that overlaps an earlier one
    breaks it, so a chain A-B-C of overlaps keeps A only). The `minutes` column must declare its `max`:
    it bounds how far apart two overlapping starts can be, so a load fetches only the rows kept before it
    that start near its own.
    """

    name: str
    group: tuple[str, ...]
    start: str
    minutes: str
    key: str
    description: str
    action: Literal["quarantine"] = "quarantine"

    @property
    def column(self) -> str:
        """The column a breaking row's reason names: the start."""
        return self.start


# The rules that compare a row with other rows of its own kind (not with one looked-up row)
SetRule = OneRowPerKey | NoOverlap


@dataclass(frozen=True)
class Table:
    """A contract table: a reference snapshot or an append-only, day-partitioned transaction."""

    name: str
    kind: Literal["reference", "transaction"]
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = field(default=())
    cross_row_rules: tuple[CrossRowRule, ...] = field(default=())
    set_rules: tuple[SetRule, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def reads(self) -> set[str]:
        """The other contract tables this table's rules read: referenced tables, every table of a
        look-up's chain, and the tables a `OneRowPerKey` ranks before this one. They load first."""
        tables = {c.references[0] for c in self.columns if c.references}
        tables |= {lk.table for r in self.cross_row_rules if r.lookup for lk in r.lookup.chain}
        for r in self.set_rules:
            if isinstance(r, OneRowPerKey):
                tables |= set(r.tables[: r.tables.index(self.name)])
        return tables - {self.name}

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
