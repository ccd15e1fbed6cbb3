"""The contract's rules run over rows in hand: the API's row before it is written, the simulator's files.

    check(table, rows, context, load_date=...)  -> list[Broken]   (row index, rule, column, reason)
    context_tables(table)                       -> the tables whose rows a full check looks at

The SQL is the interpreter's (`services.contract.rules`): the same `Rule`s the ingest runs over landing
files, here run in an in-memory DuckDB over the rows given (`src`) and the context rows given (one
relation per contract table, `_ctx_<table>`), so a rule declared once in `services.contract.tables` is
enforced by the ingest, the API and the simulator's self-check alike. Beside the interpreter's row and
cross-row rules it checks what the ingest checks with joins, with the interpreter's wording:
- isPrimaryKey: a row whose key an earlier row of its partition has, among the rows given (the earlier
  by index) or in the context rows of the table itself (the rows already held);
- isForeignKey: a transaction's reference (`Column.references`) to a context row of the referenced table
  of the row's day or of the `REFERENCE_WINDOW_DAYS` before it.

A row's partition is its `_day` column when the rows carry one (the simulator's files, by folder), else
the date of its `occurred_at` (a transaction) or the whole table (a reference snapshot); the same holds
for context rows. Given rows with `_day`, the partitionDay rule is checked too.

Rules whose context table is not given are not checked (`context_tables` says what a full check needs):
the rows alone are checked against their own values. Rows are a `pyarrow.Table` (or a list of dicts)
in the contract's columns; a value of the wrong type is checked as text, so a value that does not cast
breaks cdmDatatype as it would in a file. Cost: in-memory DuckDB connections, pooled; a one-row check
takes a few milliseconds of one core (bench/check.py measures it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from services.contract.rules import (
    IS_FOREIGN_KEY,
    IS_PRIMARY_KEY,
    REFERENCE_WINDOW_DAYS,
    Rule,
    cross_row_rules,
    duplicate_reason,
    hop_aliases,
    kept_all,
    lookup_joins,
    lookups,
    quote,
    reference_rule,
    row_rules,
    set_rule_breaks,
    set_rule_columns,
    typed_value,
)
from services.contract.schema import (
    ARROW_TYPES,
    Lookup,
    OneRowPerKey,
    SetRule,
    Table,
    arrow_schema,
)
from services.contract.tables import TABLES

# the optional partition column of rows and context rows; the row index the executor adds
DAY, ROW = "_day", "_row"

# up to this many rows (checked and context) a check runs unoptimised: planning is most of a request's
# check, and DuckDB's optimizer passes took ~40% of it (measured on a one-row booking)
SMALL_CHECK_ROWS = 1000

Rows = pa.Table | Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Broken:
    """One rule one row broke: the row's index in the rows given, the rule's name (OHDSI DQD's where it
    has one), the column it is about and the reason, `<column>: <rule>: <what is wrong>`."""

    row: int
    rule: str
    column: str
    reason: str
    # True for a rule about the row's relation to other rows of its kind (a key already held, a missing
    # referent, a second outcome, an overlapping slot); False for one about the row's own values and the
    # dates it is compared with (a look-up's date included). A caller may answer them apart: the API
    # says 409 for the first and 422 for the second.
    about_other_rows: bool = False


def _table(table: Table | str) -> Table:
    return table if isinstance(table, Table) else TABLES[table]


def context_tables(table: Table | str) -> list[str]:
    """The contract tables whose rows a full check of `table`'s rows looks at: the table itself (its
    rows held already, for its key and its set rules) and the tables its rules read (`Table.reads`:
    referenced tables, every table of a look-up's chain, the tables a one-row-per-key rule ranks first)."""
    t = _table(table)
    return [t.name, *sorted(t.reads)]


# In-memory DuckDB connections, reused (opening one costs more than a small check): a check takes one
# and gives it back, so each is used by one thread at a time. Held here, not per thread, so they close
# with the module rather than with a worker thread torn down at exit.
_idle: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()


@contextlib.contextmanager
def _connection() -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        con = _idle.get_nowait()
    except queue.Empty:
        con = duckdb.connect(config={"threads": 1})
    try:
        yield con
    finally:
        _idle.put(con)


def to_arrow(table: Table | str, rows: Rows) -> pa.Table:
    """Rows as an Arrow table: a list of dicts takes the contract's types where its values have them, and
    text where they do not (the check then names the values that do not cast); an Arrow table is kept."""
    if isinstance(rows, pa.Table):
        return rows
    t = _table(table)
    if not rows:
        return arrow_schema(t).empty_table()
    names = list(dict.fromkeys(n for r in rows for n in r))
    ordered = [c for c in t.column_names if c in names] + [n for n in names if n not in t.column_names]
    arrays = {}
    for name in ordered:
        values = [r.get(name) for r in rows]
        arrays[name] = _array(values, ARROW_TYPES[t.column(name).type] if name in t.column_names else None)
    return pa.table(arrays)


def _array(values: list, type_: pa.DataType | None) -> pa.Array:
    if type_ is not None:
        try:
            return pa.array(values, type_)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
            pass
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def check(
    table: Table | str,
    rows: Rows,
    context: Mapping[str, Rows] | None = None,
    *,
    load_date: dt.date | None = None,
) -> list[Broken]:
    """The rules `rows` of contract `table` break, in row order (empty: every row keeps every rule).

    `context` maps a contract table's name to its rows the rules need (the looked-up patients, the
    referenced bookings, the rows already held of `table` itself), in contract columns (a subset will do:
    the ones the rules read), optionally with `_day`. `load_date` is the date rules against the load's
    date compare with (default: today). Raises KeyError for an unknown table."""
    t = _table(table)
    data = to_arrow(t, rows)
    n = data.num_rows if isinstance(rows, pa.Table) else len(rows)
    if n == 0:
        return []
    index = pa.array(range(n), pa.int64())
    data = data.append_column(ROW, index) if data.num_columns else pa.table({ROW: index})
    given = {name: to_arrow(name, r) for name, r in (context or {}).items()}
    contexts = {name: a.schema for name, a in given.items()}
    plan = _Plan(t, data.schema, contexts, load_date or dt.date.today(), single=n == 1)
    names = ["_rows"] + [f"_ctx_{name}" for name in given]
    # a request's few rows: planning costs more than running, and the optimizer's passes are most of it
    small = n + sum(a.num_rows for a in given.values()) <= SMALL_CHECK_ROWS
    with _connection() as con:
        con.execute(f"pragma {'disable' if small else 'enable'}_optimizer")
        return _run(con, plan, data, given, names)


def _run(con, plan: _Plan, data: pa.Table, given: dict[str, pa.Table], names: list[str]) -> list[Broken]:
    try:
        con.register("_rows", data)
        for name, a in given.items():
            con.register(f"_ctx_{name}", a)
        found = []
        broken = [r for (r,) in con.execute(plan.sql_broken).fetchall()]
        if broken:
            con.register("_broken", pa.table({"_row": pa.array(broken, pa.int64())}))
            names.append("_broken")
            found = con.execute(plan.sql_reasons).fetchall()
        set_breaks = [(rule, con.execute(sql).fetchall()) for rule, sql in plan.set_rules]
    finally:
        for name in names:
            con.unregister(name)
    result = [
        Broken(row, plan.rules[i].name, plan.rules[i].column, reason, plan.rules[i].name in ABOUT_OTHER_ROWS)
        for row, *why in found
        for i, reason in enumerate(why)
        if reason is not None
    ]
    result += [
        Broken(row, rule.name, rule.column, reason, True) for rule, rows in set_breaks for row, reason in rows
    ]
    return sorted(result, key=lambda b: b.row)


# the row-wise rules about other rows (the set rules all are)
ABOUT_OTHER_ROWS = frozenset({IS_PRIMARY_KEY, IS_FOREIGN_KEY})


class _Plan:
    """The SQL of one check: the rows (alias `src`) left-joined to their looked-up rows, and per rule the
    reason of a row that broke it (null where kept)."""

    def __init__(
        self, table: Table, rows: pa.Schema, context: dict[str, pa.Schema], load_date: dt.date, single: bool
    ):
        self.table, self.context, self.single = table, context, single
        # the rows a rule about other rows finds, as uncorrelated left joins (a correlated EXISTS costs
        # a one-row check several times over in planning)
        self.joins: list[str] = []
        self.types = {f.name: f.type for f in rows if f.name not in (DAY, ROW)}
        self.has_day = DAY in rows.names
        self.day = self._day("src", self.types, self.has_day)
        partition = "src._day" if self.has_day and table.kind == "transaction" else None
        # the look-ups whose every hop has its rows in the context; the rules through others are not run
        self.lookups = {
            lk: columns
            for lk, columns in lookups(table).items()
            if all(hop.table in context for hop in lk.chain)
        }
        self.rules: list[Rule] = row_rules(table, self.types, partition)
        self.rules += [
            rule
            for declared, rule in zip(
                table.cross_row_rules, cross_row_rules(table, self.types, load_date), strict=True
            )
            if declared.lookup is None or declared.lookup in self.lookups
        ]
        self.rules += self._key_rules() + self._reference_rules()
        self.set_rules = [(r, self._set_rule_sql(r)) for r in table.set_rules if self._can_check(r)]
        relations = {lk: self._looked_up(lk, columns) for lk, columns in self.lookups.items()}
        source = f"{self._source()} {' '.join(self.joins)} {lookup_joins(relations, self._typed)}"
        # two statements: the rows that broke a rule (cheap to plan: the common answer is none), then
        # only for those, each rule's reason
        self.sql_broken = f"select src._row from {source} where not coalesce({kept_all(self.rules)}, false)"
        cases = ", ".join(f"case when not coalesce({r.kept}, true) then {r.reason} end" for r in self.rules)
        self.sql_reasons = (
            f"select src._row, {cases} from {source} where src._row in (select b._row from _broken as b) "
            "order by src._row"
        )

    def _typed(self, column: str, alias: str = "src", types: Mapping[str, pa.DataType] | None = None) -> str:
        return typed_value(self.table.column(column), (types or self.types).get(column), alias)

    def _day(self, alias: str, types: Mapping[str, pa.DataType], has_day: bool) -> str | None:
        """SQL of a row's partition day (None: the whole table is one partition)."""
        if has_day:
            return f"{alias}._day"
        if self.table.kind == "transaction" and "occurred_at" in types:
            return f"cast({self._typed('occurred_at', alias, types)} as date)"
        return None

    def _source(self) -> str:
        """The rows as `src`, with `_dup`: true for a row whose key a row before it (same partition) has."""
        key = self.table.primary_key
        if not key or any(k not in self.types for k in key) or self.single:
            return "(select *, false as _dup from _rows) as src"
        by = ", ".join(([self.day] if self.day else []) + [self._typed(k) for k in key])
        not_null = " and ".join(f"{self._typed(k)} is not null" for k in key)
        dup = f"({not_null} and row_number() over (partition by {by} order by src._row) > 1)"
        return f"(select src.*, {dup} as _dup from _rows as src) as src"

    def _found(self, alias: str, relation: str, on: str) -> str:
        """Join (alias.r) the rows given that find a row of `relation` (alias k) meeting `on` (over the
        given row, alias s); returns the SQL true for a row that found one."""
        self.joins.append(
            f"left join (select distinct s._row as r from _rows as s join {relation} as k on {on}) "
            f"as {alias} on {alias}.r = src._row"
        )
        return f"{alias}.r is not null"

    def _key_rules(self) -> list[Rule]:
        key = self.table.primary_key
        if not key or any(k not in self.types for k in key):
            return []
        held = ""
        ctx = self.context.get(self.table.name)
        if ctx is not None and all(k in ctx.names for k in key):
            ctx_types = {f.name: f.type for f in ctx}
            same = [f"{self._typed(k, 'k', ctx_types)} = {self._typed(k, 's')}" for k in key]
            ctx_day = self._day("k", ctx_types, DAY in ctx.names)
            if self.day and ctx_day:
                same.append(f"{ctx_day} = {self._day('s', self.types, self.has_day)}")
            held = " or " + self._found("_held_key", f"_ctx_{self.table.name}", " and ".join(same))
        return [Rule(f"not (src._dup{held})", duplicate_reason(self.table), IS_PRIMARY_KEY, ", ".join(key))]

    def _reference_rules(self) -> list[Rule]:
        if self.table.kind != "transaction" or self.day is None:
            return []
        rules = []
        day = self._day("s", self.types, self.has_day)
        for col in self.table.columns:
            if not col.references or col.references[0] not in self.context or col.name not in self.types:
                continue
            ref_table, ref_col = col.references
            ctx = self.context[ref_table]
            ctx_types = {f.name: f.type for f in ctx}
            ref = _table(ref_table)
            ref_day = _Plan._day_of(ref, "k", ctx_types, DAY in ctx.names)
            key = typed_value(ref.column(ref_col), ctx_types.get(ref_col), "k")
            points_at = (
                f"{key} = {self._typed(col.name, 's')} and {day} >= {ref_day} "
                f"and {day} <= {ref_day} + {REFERENCE_WINDOW_DAYS}"
            )
            typed = self._typed(col.name)
            found = self._found(f"_ref_{col.name}", f"_ctx_{ref_table}", points_at)
            rules.append(reference_rule(col, typed, found))
        return rules

    @staticmethod
    def _day_of(table: Table, alias: str, types: Mapping[str, pa.DataType], has_day: bool) -> str:
        if has_day:
            return f"{alias}._day"
        return f"cast({typed_value(table.column('occurred_at'), types.get('occurred_at'), alias)} as date)"

    def _looked_up(self, lookup: Lookup, columns: list[str]) -> str:
        """The relation (key, *columns) of the context rows a look-up finds, its chain's hops joined, by
        the first hop's key; one row per key, as the ingest takes it: where a hop's key is not its
        table's primary key (a transaction's), the lowest event id of each such hop."""
        chain, aliases = lookup.chain, hop_aliases(lookup)

        def typed(hop_table: str, alias: str, column: str) -> str:
            types = {f.name: f.type for f in self.context[hop_table]}
            return typed_value(_table(hop_table).column(column), types.get(column), alias)

        source = f"_ctx_{chain[0].table} as {aliases[0]}"
        for hop, alias, before, previous in zip(chain[1:], aliases[1:], aliases, chain, strict=False):
            on = f"{typed(hop.table, alias, hop.table_key)} = {typed(previous.table, before, hop.key)}"
            source += f" join _ctx_{hop.table} as {alias} on {on}"
        key = typed(chain[0].table, aliases[0], chain[0].table_key)
        cols = "".join(f', {typed(lookup.table, "r", c)} as "{c}"' for c in dict.fromkeys(columns))
        order = [
            f"{alias}.event_id"
            for hop, alias in zip(chain, aliases, strict=True)
            if _table(hop.table).primary_key != (hop.table_key,)
            and "event_id" in self.context[hop.table].names
        ]
        first = (
            f" qualify row_number() over (partition by {key} order by {', '.join(order)}) = 1"
            if order
            else ""
        )
        return f"(select {key} as key{cols} from {source}{first})"

    def _can_check(self, rule: SetRule) -> bool:
        return all(c in self.types for c in set_rule_columns(rule) if c != "event_id")

    def _set_rule_sql(self, rule: SetRule) -> str:
        """The interpreter's SQL of the rows that break a set rule (row, reason): the rows given compared
        with each other and with the context rows of the rule's tables (held before them)."""
        columns = set_rule_columns(rule)
        typed = ", ".join(f'{self._typed(c)} as "{c}"' for c in columns)
        rows = f"(select '' as file, src._row as row, {self.day or 'null'} as day, {typed} from _rows as src)"
        held_columns = [c for c in columns if c != "occurred_at"]
        tables = rule.tables if isinstance(rule, OneRowPerKey) else (self.table.name,)
        selects = []
        for name in tables:
            ctx = self.context.get(name)
            if ctx is None:
                continue
            ctx_types = {f.name: f.type for f in ctx}
            other = _table(name)
            cols = ", ".join(
                f'{typed_value(other.column(c), ctx_types.get(c), "h")} as "{c}"' for c in held_columns
            )
            selects.append(f"select {quote(name)} as tbl, {cols} from _ctx_{name} as h")
        if not selects:
            cols = ", ".join(f'{typed_value(self.table.column(c), None)} as "{c}"' for c in held_columns)
            selects.append(f"select cast(null as varchar) as tbl, {cols} limit 0")
        held = f"({' union all '.join(selects)})"
        return f"select b.row, b.reason from ({set_rule_breaks(self.table, rule, rows, held)}) as b"
