"""Load landing files into the raw layer, checking every row against the contract, set-based.

    load_days(target, landing, table, days)   transaction days -> one LoadResult per day
    load_snapshot(target, landing, table)     a reference snapshot, reloaded only when its files changed
    reconcile_days(...) / reconcile(...)      count again: landing = raw + quarantined, per partition
    load_outbox(target, rows, source=...)     the API's outbox rows, appended

A load of a table over a range of days is one statement set and ONE commit: it clears what landing files
put in those days before (rows from the API's outbox stay), inserts the good rows with one validating
`INSERT ... SELECT` over all the range's files, sends the rows that break a rule to `raw.raw_quarantine`
(file, row number, reason, the row as JSON) and writes one `raw.raw_load_log` row per (table, day), with
the counts read back from the tables: landing = loaded + quarantined. A day without files is still
loaded: it clears the day and logs zero.

The rules are the contract's (`services.contract.rules` turns them into SQL): type, nullability, vocabulary,
range, pattern, the occurred_at-on-its-day rule and missing or extra columns per row; the key unique
within its partition (a repeat keeps the first row, by file and row number); for transactions each
reference to a row of the referenced table loaded on the same day or in the REFERENCE_WINDOW_DAYS
before the row's day; and the table's cross-row rules (`Table.cross_row_rules`), each row left-joined to
the row its rule looks up (an event's patient in raw.patients: load the snapshots first; an outcome's
slot through its booking, within the reference window of each hop); and the table's set rules (one
outcome per appointment, no overlapping slots of a doctor), which compare the rows with each other and
with the rows kept before them (`services.contract.rules.held_windows`). A table loads after every
table its rules read (`load_order`).
Validation runs in DuckDB whatever the target: in the warehouse file itself for
the DuckDB target; in an in-memory DuckDB for PostgreSQL, which receives the checked rows by COPY and
answers the reference look-ups for the keys the range points at (`warehouse.targets`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from services.contract import Column, Table, arrow_schema
from services.contract.landing import reference_dir, transaction_dir
from services.contract.rules import (
    IS_PRIMARY_KEY,
    REFERENCE_WINDOW_DAYS,
    Rule,
    could_break,
    cross_row_rules,
    duplicate_reason,
    file_is_whole,
    held_where,
    held_windows,
    hop_aliases,
    kept_all,
    lookup_alias,
    lookup_joins,
    lookup_windows,
    lookups,
    quote,
    reasons,
    reference_rule,
    row_rules,
    set_rule_breaks,
    set_rule_columns,
    typed_value,
)
from services.contract.schema import ARROW_TYPES, Lookup, OneRowPerKey, SetRule, sql_type
from services.contract.tables import TABLES
from warehouse.raw import FROM_FILES, OUTBOX_PREFIX, RAW_SCHEMA, raw_columns
from warehouse.targets import LoadTarget, target_for

__all__ = [
    "REFERENCE_WINDOW_DAYS",
    "LoadError",
    "LoadResult",
    "LoadTarget",
    "OutboxLoad",
    "Reconciliation",
    "landing_files",
    "load_days",
    "load_order",
    "load_outbox",
    "load_snapshot",
    "outbox_watermark",
    "reconcile",
    "reconcile_days",
    "snapshot_hash",
    "target_for",
]

# Rows from the API's outbox have a file number below 0 (FROM_FILES is false) and a label with this prefix
# in the files table and the quarantine; reloading landing files leaves them be.
_QUARANTINE_FROM_FILES = f"not source_file like '{OUTBOX_PREFIX}%'"
# an outbox batch logs its rows with no source files; a landing load logs its files (or an empty day)
_LOG_FROM_FILES = "not (source_files = 0 and landing_rows > 0)"
# A look-up relation with more rows than a tenth of the load's is narrowed to the keys of breaking rows
# (`_Batch._breaking_only`): below that, building its hash table costs less than the pass that narrows it.
_NARROW_SHARE = 10


class LoadError(RuntimeError):
    """A load that cannot start: an unreadable landing file, a day given for a snapshot, and the like."""


@dataclass(frozen=True)
class LoadResult:
    """What one load did to one partition: a transaction day, or a snapshot (`partition` None).

    `reloaded` is False when a snapshot's files had not changed since its last load: nothing was written
    and the counts are those of that load (dbt then need not rebuild what depends on the snapshot)."""

    table: str
    partition: dt.date | None
    files: int
    landing_rows: int
    loaded_rows: int
    quarantined_rows: int
    load_id: str
    reloaded: bool = True

    @property
    def reconciles(self) -> bool:
        return self.landing_rows == self.loaded_rows + self.quarantined_rows


@dataclass(frozen=True)
class Reconciliation:
    table: str
    partition: dt.date | None
    landing_rows: int
    raw_rows: int
    quarantined_rows: int
    quarantine_sample: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return self.landing_rows == self.raw_rows + self.quarantined_rows


def load_order() -> list[Table]:
    """Contract tables ordered so that a table loads after the tables its rules read (`Table.reads`:
    what it references, what its look-ups find, the tables a one-row-per-key rule ranks first)."""
    ordered: list[Table] = []
    pending = list(TABLES.values())
    while pending:
        for t in pending:
            if t.reads <= {o.name for o in ordered}:
                ordered.append(t)
                pending.remove(t)
                break
        else:  # pragma: no cover - the contract has no cycles
            raise RuntimeError("cycle in contract references")
    return ordered


# ------------------------------------------------------------------------------------- landing files


@dataclass(frozen=True)
class _File:
    """A landing file as the load reads it: its day (None for a snapshot), its label (in
    raw.raw_load_files and the quarantine), its row count, its columns' types and its footer's
    statistics (from the Parquet footer)."""

    path: Path
    day: dt.date | None
    label: str
    rows: int
    types: dict[str, pa.DataType]
    footer: pq.FileMetaData | None = field(default=None, compare=False, repr=False)


def _read_footer(path: Path, day: dt.date | None, label: str | None = None) -> _File:
    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as e:
        raise LoadError(f"{path}: cannot be read as a Parquet file ({e})") from e
    types = {f.name: f.type for f in pf.schema_arrow}
    return _File(path, day, label or str(path), pf.metadata.num_rows, types, pf.metadata)


def _as_type(value: dt.date, as_type: str) -> dt.date:
    """A footer's date or timestamp as `as_type` ('date' or 'timestamp'), as a cast in SQL gives it."""
    if as_type == "date":
        return value.date() if isinstance(value, dt.datetime) else value
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def _footer_bounds(files: list[_File], column: Column) -> tuple[Any, Any] | None | bool:
    """(least, greatest) value of a column over the files, from their footers' statistics (exact for
    the contract's number and time types: Parquet writers record each row group's min and max); None
    when no file holds a value. False when a footer cannot tell: a file has the column in another type
    than the contract's, or a row group with values but no statistics."""
    low = high = None
    for f in files:
        if column.name not in f.types:
            continue
        if f.types[column.name] != ARROW_TYPES[column.type] or f.footer is None:
            return False
        at = f.footer.schema.names.index(column.name)
        for g in range(f.footer.num_row_groups):
            group = f.footer.row_group(g)
            if group.num_rows == 0:  # an empty file's one row group has no statistics
                continue
            stats = group.column(at).statistics
            if stats is not None and stats.has_min_max:
                low = stats.min if low is None else min(low, stats.min)
                high = stats.max if high is None else max(high, stats.max)
            elif stats is None or stats.null_count != group.num_rows:
                return False
    return None if low is None else (low, high)


def _landing_files(landing: Path, table: Table, days: list[dt.date | None]) -> list[_File]:
    """The landing files of these days (or of the snapshot: [None]) in day and name order, each labelled
    with its path inside the landing folder (`<table>/date=.../<part>`): the warehouse names a file the
    same wherever the folder was mounted."""
    paths = [(p, day) for day in days for p in landing_files(landing, table, day)]
    return _parallel(lambda pd: _read_footer(pd[0], pd[1], pd[0].relative_to(landing).as_posix()), paths)


def _parallel(fn: Callable[[Any], Any], items: list) -> list:
    """fn over the items on a thread per core (for Parquet reads, which release the GIL), in order."""
    if len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(fn, items))


def _increasing_range(f: _File, column: Column) -> tuple[Any, Any] | None:
    """(first, last) of a non-empty file's column when it strictly increases, has no nulls and has the
    contract's type; else None. Reads that one column in batches and stops at the first step down;
    Arrow compares whole arrays."""
    if f.rows == 0 or f.types.get(column.name) != ARROW_TYPES[column.type]:
        return None
    first = last = None
    for batch in pq.ParquetFile(f.path).iter_batches(batch_size=1 << 16, columns=[column.name]):
        values = batch.column(0)
        if values.null_count or not pc.all(pc.greater(values[1:], values[:-1])).as_py():
            return None
        if last is not None and values[0].as_py() <= last:
            return None
        first = values[0].as_py() if first is None else first
        last = values[-1].as_py()
    return first, last


def landing_files(landing: Path, table: Table, day: dt.date | None = None) -> list[Path]:
    """The Parquet files of a transaction day, or of a reference snapshot (`day` None), in name order."""
    folder = (
        transaction_dir(landing, table.name, day)
        if table.kind == "transaction"
        else reference_dir(landing, table.name)
    )
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


# ---------------------------------------------------------------------------------- the statement set


class _Batch:
    """The SQL of one validating load of a table's files (a range of days, or a snapshot).

    Files with the same columns and types are read by one `read_parquet`; each row carries its file's
    day and number (`f`, picked by the reader's file index), and its label when quarantined. A load's
    files are numbered one after another in load order, after the table's highest number (from 0), or
    for an outbox batch below its lowest (below 0): a number names one file of the table."""

    def __init__(
        self,
        target: LoadTarget,
        table: Table,
        files: list[_File],
        load_id: str,
        loaded_at: dt.datetime,
        *,
        outbox: bool = False,
    ):
        self.target, self.table, self.files = target, table, files
        self.load_id, self.loaded_at = load_id, loaded_at
        self.daily = table.kind == "transaction"
        self.day = "f.day" if self.daily else None
        self.references = [c for c in table.columns if c.references and self.daily]
        # a file's number (raw rows' `_file`), increasing in load order (for row order)
        first = self._first_number(len(files), outbox=outbox)
        self.place = {id(f): first + i for i, f in enumerate(files)}
        self.has_duplicates = False
        self.known: dict[str, str] = {}
        # the cross-row rules' look-ups (e.g. the patient of an event), each with the columns read
        self.lookups: dict[Lookup, list[str]] = lookups(table)
        self.looked_up: dict[Lookup, str] = {}
        # the set rules' breaking rows, by rule: a temp table (file, row, reason) where any broke one
        self.set_breaks: dict[SetRule, str] = {}

    def _first_number(self, files: int, *, outbox: bool) -> int:
        """The number of the load's first file: after the highest of the table's files listed in
        raw.raw_load_files (0 for the first), or for an outbox batch of `files` files, the last one just
        below the lowest (and below 0)."""
        ((highest, lowest),) = self.target.execute(
            f"select max(file), min(file) from {RAW_SCHEMA}.raw_load_files where table_name = ?",
            [self.table.name],
        )
        if outbox:
            return min(lowest if lowest is not None else 0, 0) - files
        return max(highest + 1, 0) if highest is not None else 0

    # -- reading

    @staticmethod
    def groups(files: list[_File]) -> list[list[_File]]:
        """Files grouped by their columns and types (one `read_parquet` each), in file order."""
        by_layout: dict[tuple, list[_File]] = {}
        for f in files:
            by_layout.setdefault(tuple((n, str(t)) for n, t in f.types.items()), []).append(f)
        return list(by_layout.values())

    def source(self, files: list[_File], *, label: bool = False) -> str:
        """FROM clause of a group's rows: `src`, the file's columns with `filename`, `file_row_number` and
        `f` (the file's day and number in the load, and its label with `label`). `f` is picked from lists
        by the reader's file index: a join on the file's name costs, row by row, about what reading the
        rows does. Files numbered one after another take the reader's index plus the first's number."""
        at = "[cast(file_index as bigint) + 1]"
        days = ", ".join(f"date {quote(str(f.day))}" if f.day else "cast(null as date)" for f in files)
        places = [self.place[id(f)] for f in files]
        if places == list(range(places[0], places[0] + len(places))):
            idx = f"cast(file_index as integer) + {places[0]}"
        else:
            idx = f"[{', '.join(map(str, places))}]{at}"
        paths = ", ".join(quote(str(f.path)) for f in files)
        labels = f", label := [{', '.join(quote(f.label) for f in files)}]{at}" if label else ""
        file = f"struct_pack(day := [{days}]{at}, idx := {idx}{labels}) as f"
        options = "filename = true, file_row_number = true, hive_partitioning = false"
        return f"(select *, {file} from read_parquet([{paths}], {options})) as src"

    def rules(self, group: list[_File]) -> list[Rule]:
        """The group's row rules and cross-row rules (these read the `lookup_join`'s columns)."""
        return row_rules(self.table, group[0].types, self.day) + cross_row_rules(
            self.table, group[0].types, self.loaded_at.date()
        )

    def lookup_join(self, group: list[_File]) -> str:
        """The left joins that give each row of the group its looked-up rows (null where none)."""
        return lookup_joins(self.looked_up, lambda column: self.typed(group, column))

    def typed(self, group: list[_File], column: str) -> str:
        return typed_value(self.table.column(column), group[0].types.get(column))

    # -- checks that need other rows

    def find_duplicates(self) -> None:
        """Temp table `_load_dup_rows` (file, row): rows whose key an earlier row of their partition has."""
        key = self.table.primary_key
        files = [f for f in self._files_to_check_for_duplicates() if all(k in f.types for k in key)]
        if not key or not files:
            return
        part = ["f.day as day"] if self.daily else []
        keyed = " union all ".join(
            f"select {', '.join(part + [f'{self.typed(g, k)} as k{i}' for i, k in enumerate(key)])}, "
            f"src.filename as file, src.file_row_number as row, f.idx as idx from {self.source(g)}"
            for g in self.groups(files)
        )
        by = ", ".join((["day"] if self.daily else []) + [f"k{i}" for i in range(len(key))])
        not_null = " and ".join(f"k{i} is not null" for i in range(len(key)))
        vcon = self.target.vcon
        # the hashes of the keys first (a narrow aggregate); the keys themselves only behind a repeat
        (repeats,) = vcon.execute(
            f"select count(*) from (select hash({by}) as h from ({keyed}) as k where {not_null} "
            "group by h having count(*) > 1)"
        ).fetchone()
        if repeats:
            vcon.execute(
                f"create or replace temp table _load_dup_keys as select {by} from ({keyed}) as k "
                f"where {not_null} group by {by} having count(*) > 1"
            )
            self.has_duplicates = vcon.execute("select count(*) from _load_dup_keys").fetchone()[0] > 0
        if self.has_duplicates:
            vcon.execute(
                "create or replace temp table _load_dup_rows as select file, row from ("
                f"select file, row, row_number() over (partition by {by} order by idx, row) as n "
                f"from ({keyed}) as k semi join _load_dup_keys using ({by})) as d where n > 1"
            )

    def _files_to_check_for_duplicates(self) -> list[_File]:
        """The files of the partitions whose keys could repeat. A file whose (one-column) key strictly
        increases holds no repeat, and files of a partition whose key ranges do not overlap hold none
        between them: exporters that write in id order (the simulator does) skip the hash check.
        Only a number key is tried: a text key is a pseudonym or a code, in no order worth reading the
        column for (patients at --scale 0.1: 0.1 s to find the first step down)."""
        key = self.table.column(self.table.primary_key[0]) if len(self.table.primary_key) == 1 else None
        if key is None or key.type not in ("int64", "int32"):
            return self.files
        by_partition: dict[dt.date | None, list[_File]] = {}
        for f in self.files:
            if f.rows:
                by_partition.setdefault(f.day, []).append(f)
        checked = [f for files in by_partition.values() for f in files]
        found = dict(
            zip(map(id, checked), _parallel(lambda f: _increasing_range(f, key), checked), strict=True)
        )
        unsure = []
        for files in by_partition.values():
            ranges = [found[id(f)] for f in files]
            ordered = sorted(r for r in ranges if r is not None)
            if None in ranges or any(a[1] >= b[0] for a, b in pairwise(ordered)):
                unsure += files
        return unsure

    def look_up_references(self) -> None:
        """For each reference, the relation (key, lo, hi) of the keys the rows may point at: a key loaded
        on day d in the referenced table may be pointed at from rows of days lo = d to hi = d + window."""
        days = [f.day for f in self.files if f.day is not None]
        if not days:
            return
        since = min(days) - dt.timedelta(days=REFERENCE_WINDOW_DAYS)
        rows = sum(f.rows for f in self.files)
        for col in self.references:
            self.known[col.name] = self.target.known_keys(
                col, self._wanted(col.name), since, max(days), f"_load_known_{col.name}", rows
            )

    def look_up_rows(self) -> None:
        """For each look-up of the cross-row rules, the relation of the looked-up rows that could break a
        rule for the values the files' rows hold (`could_break`): of a reference snapshot, read whole; in
        a transaction table, of the keys the rows point at, loaded in each hop's window before the load's
        days (`lookup_windows`)."""
        days = [f.day for f in self.files if f.day is not None]
        for lk, columns in self.lookups.items():
            rules = [r for r in self.table.cross_row_rules if r.lookup == lk]
            where = [
                could_break(
                    self.table, lk, {(r.column, r.compare): self._range(r.column, r.compare) for r in rules}
                )
            ]
            wanted = None
            for hop, alias, window in zip(lk.chain, hop_aliases(lk), lookup_windows(lk), strict=True):
                if window is None or not days:
                    continue
                since, until = min(days) - dt.timedelta(days=window), max(days)
                where.append(f"{alias}._partition_date between '{since}' and '{until}'")
                # a first hop whose window is about the size of the load (a backfill) is cheaper to take
                # whole than to pick the wanted keys out of; a day's load looks up its own keys
                rows = sum(f.rows for f in self.files)
                if hop is lk.chain[0] and self.target.loaded_rows(hop.table, since, until) > 2 * rows:
                    wanted = self._wanted(hop.key)
            sql = " and ".join(f"({w})" for w in where)
            relation = self.target.looked_up(lk, columns, sql, f"_load_{lookup_alias(lk)}", wanted)
            self.looked_up[lk] = self._breaking_only(lk, relation)

    def _breaking_only(self, lk: Lookup, relation: str) -> str:
        """The look-up relation narrowed to the keys of the files' rows that break one of its rules.

        The relation is read only by its rules, and a row whose key it lacks keeps them (a rule holds
        where the looked-up row is null), as does a row whose looked-up row keeps them: the rows kept,
        quarantined and their reasons stay the same. Where `could_break` cannot narrow the relation (a
        range of days whose outcomes may precede any of its slots), it holds a row per key of the load:
        one narrow pass over the files here spares the good rows' insert, the search for the bad rows
        and the quarantine a hash table of every key each. A relation already small is kept as it is."""
        (held,) = self.target.vcon.execute(f"select count(*) from {relation}").fetchone()
        if held * _NARROW_SHARE <= sum(f.rows for f in self.files):
            return relation
        alias = lookup_alias(lk)
        selects = []
        for g in self.groups(self.files):
            own = [
                r
                for r, declared in zip(
                    cross_row_rules(self.table, g[0].types, self.loaded_at.date()),
                    self.table.cross_row_rules,
                    strict=True,
                )
                if declared.lookup == lk
            ]
            joins = lookup_joins({lk: relation}, lambda column, g=g: self.typed(g, column))
            selects.append(
                f"select {alias}.* from {self.source(g)} {joins} where not coalesce({kept_all(own)}, true)"
            )
        narrowed, breaking = f"_load_{alias}_breaking", " union all ".join(selects)
        # (a key that several rows break stays once: the relation holds a row per key)
        self.target.vcon.execute(
            f"create or replace temp table {narrowed} as select distinct * from ({breaking}) as b"
        )
        return narrowed

    def find_set_breaks(self) -> None:
        """For each set rule of the table (one outcome per appointment, no overlapping slots), the temp
        table of the files' rows that break it, with their reasons (`set_rule_breaks`): the files' rows
        compared with each other and with the kept rows of `held_windows`."""
        days = [f.day for f in self.files if f.day is not None]
        for i, rule in enumerate(self.table.set_rules):
            columns = set_rule_columns(rule)
            holders = [g for g in self.groups(self.files) if all(c in g[0].types for c in columns)]
            if not holders or not days:
                continue
            # read from the files by each statement that needs them (a scan of a few columns costs less
            # than keeping every row's file name in a table)
            rows = (
                "("
                + " union all ".join(
                    "select f.day as day, src.filename as file, src.file_row_number as row, "
                    + ", ".join(f'{self.typed(g, c)} as "{c}"' for c in columns)
                    + f" from {self.source(g)}"
                    for g in holders
                )
                + ")"
            )
            held = self._held(i, rule, rows, columns, min(days), max(days))
            breaks = f"_load_set_breaks_{i}"
            self.target.vcon.execute(
                f"create or replace temp table {breaks} as {set_rule_breaks(self.table, rule, rows, held)}"
            )
            if self.target.vcon.execute(f"select count(*) from {breaks}").fetchone()[0]:
                self.set_breaks[rule] = breaks

    def _held(
        self, i: int, rule: SetRule, rows: str, columns: list[str], first: dt.date, last: dt.date
    ) -> str:
        """SQL of the kept rows a set rule compares the load's rows (the relation `rows`) with: `tbl` and
        the rule's columns (but occurred_at), from each table of `held_windows`: for a one-row-per-key
        rule, of the keys the load's rows hold; for no-overlap, starting near the load's rows."""
        kept = [c for c in columns if c != "occurred_at"]
        starts = None
        if not isinstance(rule, OneRowPerKey):  # a NoOverlap: the rows starting near the load's
            # from the footers where they tell (no pass over the rows); they may hold the starts of a
            # file the rule does not read (a column missing): a wider span only lets in held rows that
            # no checked row can reach
            starts = self._range(rule.start, "timestamp")
        near = held_where(self.table, rule, starts)
        selects = []
        loaded = sum(f.rows for f in self.files)
        for j, (table, since, until) in enumerate(held_windows(self.table, rule, first, last)):
            in_window = self.target.loaded_rows(table, since, until) if since <= until else 0
            if not in_window:
                continue
            where = f"r._partition_date between '{since}' and '{until}' and {near}"
            wanted = None  # a window about the size of the load is cheaper to take whole
            if isinstance(rule, OneRowPerKey) and in_window > 2 * loaded:
                wanted = (rule.key, f'select "{rule.key}" as key from {rows} as r')
            held = self.target.rows_of(table, kept, where, f"_load_held_{i}_{j}", wanted)
            selects.append(f"select {quote(table)} as tbl, * from {held}")
        cols = ", ".join(
            f'cast(null as {sql_type(self.table.column(c).type, "duckdb")}) as "{c}"' for c in kept
        )
        return (
            "("
            + (" union all ".join(selects) or f"select cast(null as varchar) as tbl, {cols} limit 0")
            + ")"
        )

    def _range(self, column: str, as_type: str) -> tuple | None:
        """(first, last) of a column's values in the files' rows as `as_type` (date or timestamp); None
        when they hold none. Read from the footers when they can tell (no pass over the rows), else from
        the rows."""
        bounds = _footer_bounds(self.files, self.table.column(column))
        if bounds is not False:  # the footers tell
            return None if bounds is None else tuple(_as_type(v, as_type) for v in bounds)
        holders = [g for g in self.groups(self.files) if column in g[0].types]
        if not holders:
            return None
        values = " union all ".join(
            f"select cast({self.typed(g, column)} as {as_type}) as v from {self.source(g)}" for g in holders
        )
        first, last = self.target.vcon.execute(f"select min(v), max(v) from ({values}) as d").fetchone()
        return None if first is None else (first, last)

    def _wanted(self, column: str) -> str:
        """SQL (column `key`) of the values of a column in the files' rows: the keys a look-up needs."""
        holders = [g for g in self.groups(self.files) if column in g[0].types]
        return (
            " union ".join(f"select {self.typed(g, column)} as key from {self.source(g)}" for g in holders)
            or f"select cast(null as {sql_type(self.table.column(column).type, 'duckdb')}) as key"
        )

    def _points_at(self, group: list[_File], col: Column, known: str) -> str:
        """SQL true when the row's `col` names a key of the relation `known` (alias) that the row's day
        may point at: the one statement of the reference rule, for the joins and the reasons alike."""
        return f"{known}.key = {self.typed(group, col.name)} and f.day >= {known}.lo and f.day <= {known}.hi"

    def _known_join(self, group: list[_File]) -> str:
        """Semi joins keeping the rows whose required references name a known key (a nullable
        reference's null keeps the rule: `_known_where`)."""
        return " ".join(
            f"semi join {self.known[c.name]} as k_{c.name} on {self._points_at(group, c, f'k_{c.name}')}"
            for c in self.references
            if not c.nullable
        )

    def _known_where(self, group: list[_File]) -> str:
        """SQL true when each nullable reference of the row is null or names a known key."""
        return "".join(
            f" and ({self.typed(group, c.name)} is null or exists (select 1 from {self.known[c.name]} as k "
            f"where {self._points_at(group, c, 'k')}))"
            for c in self.references
            if c.nullable
        )

    def _other_row_rules(self, group: list[_File]) -> list[Rule]:
        """The reference and duplicate rules as per-row rules, for the reasons of quarantined rows."""
        rules = []
        for c in self.references:
            typed = self.typed(group, c.name)
            found = f"exists (select 1 from {self.known[c.name]} as k where {self._points_at(group, c, 'k')})"
            rules.append(reference_rule(c, typed, found))
        if self.has_duplicates:
            key = ", ".join(self.table.primary_key)
            rules.append(Rule("d.row is null", duplicate_reason(self.table), IS_PRIMARY_KEY, key))
        for i, rule in enumerate(self.set_breaks):
            rules.append(Rule(f"s{i}.row is null", f"s{i}.reason", rule.name, rule.column))
        return rules

    def _set_joins(self, how: str) -> str:
        """The joins of the set rules' breaking rows to the files' rows (`how`: anti or left)."""
        return " ".join(
            f"{how} join {breaks} as s{i} on s{i}.file = src.filename and s{i}.row = src.file_row_number"
            for i, breaks in enumerate(self.set_breaks.values())
        )

    # -- writing

    def insert_good_rows(self) -> None:
        meta = ([self.day] if self.daily else []) + ["f.idx", f"timestamp '{self.loaded_at}'"]
        selects = []
        for g in self.groups(self.files):
            rules = self.rules(g)
            if not file_is_whole(rules):
                continue  # a missing or extra column: every row of these files goes to quarantine
            cols = [self.typed(g, c) for c in self.table.column_names] + meta
            no_dups = (
                "anti join _load_dup_rows as d on d.file = src.filename and d.row = src.file_row_number"
                if self.has_duplicates
                else ""
            )
            selects.append(
                f"select {', '.join(cols)} from {self.source(g)} {self._known_join(g)} {no_dups} "
                f"{self._set_joins('anti')} {self.lookup_join(g)} "
                f"where {kept_all(rules)}{self._known_where(g)}"
            )
        if selects:
            self.target.append(self.table.name, raw_columns(self.table), " union all ".join(selects))

    def insert_quarantine(self, files: list[_File]) -> None:
        """Quarantine the rows of these files that broke a rule, each with all its reasons.

        The rows are found first with the good rows' own tests turned round (cheap filters and an anti
        join); only they are then read whole and given their reasons."""
        self._find_bad_rows(files)
        part = self.day or "cast(null as date)"
        selects = []
        for g in self.groups(files):
            rules = self.rules(g) + self._other_row_rules(g)
            row = ", ".join(f'"{n}" := src."{n}"' for n in g[0].types)
            dups = (
                "left join _load_dup_rows as d on d.file = src.filename and d.row = src.file_row_number"
                if self.has_duplicates
                else ""
            )
            selects.append(
                f"select {part} as partition_date, f.label as source_file, f.idx as idx, "
                f"src.file_row_number as row_number, {reasons(rules)} as reasons, "
                f"cast(to_json(struct_pack({row})) as varchar) as row_json "
                f"from {self.source(g, label=True)} "
                "semi join _load_bad_rows as b on b.file = src.filename and b.row = src.file_row_number "
                f"{dups} {self._set_joins('left')} {self.lookup_join(g)}"
            )
        select = (
            f"select {quote(self.table.name)}, partition_date, source_file, row_number, "
            f"array_to_string(reasons, '; '), row_json, {quote(self.load_id)}, timestamp '{self.loaded_at}' "
            f"from ({' union all '.join(selects)}) as q order by idx, row_number"
        )
        columns = ["table_name", "partition_date", "source_file", "row_number", "reason", "row_json"]
        self.target.append("raw_quarantine", [*columns, "_load_id", "_loaded_at"], select)

    def _find_bad_rows(self, files: list[_File]) -> None:
        """Temp table `_load_bad_rows` (file, row): the rows of these files left out of the good rows."""
        row = "select src.filename as file, src.file_row_number as row"
        selects = []
        for g in self.groups(files):
            selects.append(
                f"{row} from {self.source(g)} {self.lookup_join(g)} "
                f"where not coalesce({kept_all(self.rules(g))}, false)"
            )
            for c in self.references:
                if c.name in g[0].types:
                    typed = self.typed(g, c.name)
                    selects.append(
                        f"{row} from {self.source(g)} anti join {self.known[c.name]} as k "
                        f"on {self._points_at(g, c, 'k')} where {typed} is not null"
                    )
        paths = ", ".join(quote(str(f.path)) for f in files)
        if self.has_duplicates:
            selects.append(f"select file, row from _load_dup_rows where file in ({paths})")
        for breaks in self.set_breaks.values():
            selects.append(f"select file, row from {breaks} where file in ({paths})")
        self.target.vcon.execute(
            f"create or replace temp table _load_bad_rows as select distinct file, row from "
            f"({' union all '.join(selects)}) as bad"
        )

    def run(self, days: list[dt.date | None]) -> dict[dt.date | None, int]:
        """Insert the good rows, then quarantine the bad rows of the files that did not go in whole;
        returns the rows loaded per partition of `days`."""
        if self.files:
            self.find_duplicates()
            self.look_up_references()
            self.look_up_rows()
            self.find_set_breaks()
            self.insert_good_rows()
        by_file = self._loaded_by_file(days)
        short = [f for f in self.files if by_file.get(self.place[id(f)], 0) < f.rows]
        if short:
            self.insert_quarantine(short)
        loaded: dict[dt.date | None, int] = {}
        for f in self.files:
            loaded[f.day] = loaded.get(f.day, 0) + by_file.get(self.place[id(f)], 0)
        return loaded

    def _loaded_by_file(self, days: list[dt.date | None]) -> dict[int, int]:
        """Rows this load put in the raw table, by file number (the load's numbers are one range); the
        days bound the scan, so it follows the range, not the history held."""
        raw = f"{RAW_SCHEMA}.{self.table.name}"
        if not self.files:
            return {}
        numbers = [min(self.place.values()), max(self.place.values())]
        if self.daily:
            known = [d for d in days if d is not None]
            rows = self.target.execute(
                f"select _file, count(*) from {raw} "
                "where _partition_date between ? and ? and _file between ? and ? group by 1",
                [min(known), max(known), *numbers],
            )
        else:
            rows = self.target.execute(
                f"select _file, count(*) from {raw} where _file between ? and ? group by 1", numbers
            )
        return dict(rows)

    def record_files(self) -> None:
        """One raw.raw_load_files row per file of the load: what a raw row's `_file` names."""
        rows = [
            (self.load_id, self.table.name, self.place[id(f)], f.day, f.label, f.rows, self.loaded_at)
            for f in self.files
        ]
        for at in range(0, len(rows), 1000):  # within PostgreSQL's 65535 parameters a statement
            chunk = rows[at : at + 1000]
            self.target.execute(
                f"insert into {RAW_SCHEMA}.raw_load_files (load_id, table_name, file, partition_date, "
                "source_file, landing_rows, _loaded_at) values "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk)),
                [v for row in chunk for v in row],
            )

    def cleanup(self) -> None:
        for name in (
            ["_load_dup_keys", "_load_dup_rows", "_load_bad_rows"]
            + [f"_load_known_{c.name}" for c in self.references]
            + [f"_load_{lookup_alias(lk)}{end}" for lk in self.lookups for end in ("", "_breaking")]
            + [f"_load_set_breaks_{i}" for i in range(len(self.table.set_rules))]
            + [
                f"_load_held_{i}_{j}"
                for i, r in enumerate(self.table.set_rules)
                for j in range(len(r.tables) if isinstance(r, OneRowPerKey) else 1)
            ]
        ):  # (a known-keys relation that is a subquery has no table to drop)
            self.target.vcon.execute(f"drop table if exists {name}")


def _counts(target: LoadTarget, sql: str, params: list) -> dict[dt.date | None, int]:
    return {day: n for day, n in target.execute(sql, params)}


def _load_batch(
    target: LoadTarget,
    table: Table,
    files: list[_File],
    days: list[dt.date | None],
    *,
    load_id: str,
    loaded_at: dt.datetime,
    outbox: bool = False,
    content_hash: str | None = None,
) -> list[LoadResult]:
    """Check and insert the files' rows and their quarantine, list the files in raw.raw_load_files and
    log each partition of `days`.

    Runs in the caller's transaction; clears nothing (the caller does). `outbox` numbers the files below
    0 and logs the rows with no source files (the outbox's batches)."""
    batch = _Batch(target, table, files, load_id, loaded_at, outbox=outbox)
    try:
        loaded = batch.run(days)
        batch.record_files()
    finally:
        batch.cleanup()
    quarantined = _counts(
        target,
        f"select partition_date, count(*) from {RAW_SCHEMA}.raw_quarantine "
        "where table_name = ? and _load_id = ? group by 1",
        [table.name, load_id],
    )
    results = [
        LoadResult(
            table.name,
            day,
            0 if outbox else sum(1 for f in files if f.day == day),
            sum(f.rows for f in files if f.day == day),
            loaded.get(day, 0),
            quarantined.get(day, 0),
            load_id,
        )
        for day in days
    ]
    _log(target, results, content_hash, loaded_at)
    return results


def _log(target: LoadTarget, results: list[LoadResult], content_hash: str | None, loaded_at: dt.datetime):
    """One raw.raw_load_log row per partition loaded."""
    rows = [
        (r.table, r.partition, r.files, r.landing_rows, r.loaded_rows, r.quarantined_rows, content_hash)
        + (r.load_id, loaded_at)
        for r in results
    ]
    if not rows:
        return
    target.execute(
        f"insert into {RAW_SCHEMA}.raw_load_log (table_name, partition_date, source_files, landing_rows, "
        "loaded_rows, quarantined_rows, content_hash, _load_id, _loaded_at) values "
        + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows)),
        [v for row in rows for v in row],
    )


def _new_load() -> tuple[str, dt.datetime]:
    """A new load's id and time. Twelve hex digits (48 random bits) are unique enough for the loads of a
    warehouse; the id is written once per file (raw.raw_load_files), per partition (the log) and per
    quarantined row, never per loaded row (`warehouse.raw`)."""
    return uuid.uuid4().hex[:12], dt.datetime.now()  # to the microsecond: dbt's window follows the loads


# ------------------------------------------------------------------------------------ the public API


def load_days(target: LoadTarget, landing: Path, table: Table, days: Sequence[dt.date]) -> list[LoadResult]:
    """Load a transaction table's landing files for these days, replacing what files put there before.

    One statement set and one commit for all the days; returns one LoadResult per day, in day order
    (a day without files clears the day and logs zero). Rows from the API's outbox stay. Tables the rows
    refer to must be loaded for these days first (`load_order()`).
    Raises ValueError for a reference table, LoadError for an unreadable landing file (nothing written).
    """
    if table.kind != "transaction":
        raise ValueError(f"{table.name} is a reference snapshot: load it with load_snapshot()")
    days = sorted(set(days))
    if not days:
        return []
    files = _landing_files(landing, table, list(days))
    load_id, loaded_at = _new_load()
    marks = ", ".join("?" * len(days))
    with target.transaction():
        target.execute(
            f"delete from {RAW_SCHEMA}.{table.name} where _partition_date between ? and ? "
            f"and _partition_date in ({marks}) and {FROM_FILES}",
            [days[0], days[-1], *days],
        )
        target.execute(
            f"delete from {RAW_SCHEMA}.raw_quarantine where table_name = ? and partition_date in ({marks}) "
            f"and {_QUARANTINE_FROM_FILES}",
            [table.name, *days],
        )
        target.execute(
            f"delete from {RAW_SCHEMA}.raw_load_log where table_name = ? and partition_date in ({marks}) "
            f"and {_LOG_FROM_FILES}",
            [table.name, *days],
        )
        target.execute(
            f"delete from {RAW_SCHEMA}.raw_load_files where table_name = ? and partition_date in ({marks}) "
            "and file >= 0",
            [table.name, *days],
        )
        return _load_batch(target, table, files, list(days), load_id=load_id, loaded_at=loaded_at)


def snapshot_hash(table: Table, files: list[Path]) -> str:
    """Content hash of a snapshot's files (names and bytes) and of the table's contract declaration
    (a changed rule revalidates an unchanged file). blake2b, 32 hex digits."""
    h = hashlib.blake2b(repr(table).encode(), digest_size=16)
    for path in files:
        h.update(path.name.encode() + b"\0")
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                h.update(chunk)
    return h.hexdigest()


def load_snapshot(target: LoadTarget, landing: Path, table: Table, *, force: bool = False) -> LoadResult:
    """Load a reference snapshot when its content changed since its last load (or with `force`).

    Changed: the table is replaced whole, in one commit, and the content hash is logged in
    raw.raw_load_log. Unchanged: nothing is written and the LoadResult (`reloaded` False) repeats the
    last load's counts. A snapshot without files empties the table.
    Raises ValueError for a transaction table, LoadError for an unreadable landing file.
    """
    if table.kind != "reference":
        raise ValueError(f"{table.name} is a transaction table: load its days with load_days()")
    paths = landing_files(landing, table)
    content = snapshot_hash(table, paths)
    last = target.execute(
        f"select content_hash, source_files, landing_rows, loaded_rows, quarantined_rows, _load_id "
        f"from {RAW_SCHEMA}.raw_load_log where table_name = ? and partition_date is null "
        "order by _loaded_at desc limit 1",
        [table.name],
    )
    if last and last[0][0] == content and not force and _still_there(target, table, last[0][3]):
        _, files, landing_rows, loaded, quarantined, load_id = last[0]
        return LoadResult(table.name, None, files, landing_rows, loaded, quarantined, load_id, reloaded=False)
    files = _landing_files(landing, table, [None])
    load_id, loaded_at = _new_load()
    with target.transaction():
        target.execute(f"delete from {RAW_SCHEMA}.{table.name}")
        target.execute(
            f"delete from {RAW_SCHEMA}.raw_quarantine where table_name = ? and partition_date is null",
            [table.name],
        )
        target.execute(
            f"delete from {RAW_SCHEMA}.raw_load_log where table_name = ? and partition_date is null",
            [table.name],
        )
        target.execute(
            f"delete from {RAW_SCHEMA}.raw_load_files where table_name = ? and partition_date is null",
            [table.name],
        )
        (result,) = _load_batch(
            target, table, files, [None], load_id=load_id, loaded_at=loaded_at, content_hash=content
        )
    return result


def _still_there(target: LoadTarget, table: Table, loaded_rows: int) -> bool:
    """False when the last load put rows in the table and it is now empty (a raw table dropped and
    created again): its log alone must not keep a snapshot from loading."""
    return not loaded_rows or bool(target.execute(f"select 1 from {RAW_SCHEMA}.{table.name} limit 1"))


def reconcile_days(
    target: LoadTarget, landing: Path, table: Table, days: Sequence[dt.date | None]
) -> list[Reconciliation]:
    """Count each partition's landing rows again (Parquet footers) and compare them with the raw rows
    from files and the quarantined rows of that partition; `days` is [None] for a snapshot. Each
    Reconciliation names up to 20 quarantined rows (file, row, reason)."""
    days = list(days)
    landing_rows = {
        day: sum(pq.ParquetFile(p).metadata.num_rows for p in landing_files(landing, table, day))
        for day in days
    }
    if table.kind == "transaction":
        marks = ", ".join("?" * len(days))
        raw = _counts(
            target,
            f"select _partition_date, count(*) from {RAW_SCHEMA}.{table.name} "
            f"where _partition_date in ({marks}) and {FROM_FILES} group by 1",
            days,
        )
        where, params = f"partition_date in ({marks})", days
    else:
        raw = {None: target.execute(f"select count(*) from {RAW_SCHEMA}.{table.name}")[0][0]}
        where, params = "partition_date is null", []
    quarantine = target.execute(
        "select partition_date, source_file, row_number, reason, "
        "row_number() over (partition by partition_date order by source_file, row_number) as n "
        f"from {RAW_SCHEMA}.raw_quarantine where table_name = ? and {where} and {_QUARANTINE_FROM_FILES}",
        [table.name, *params],
    )
    quarantined: dict[dt.date | None, int] = {}
    samples: dict[dt.date | None, list[dict[str, Any]]] = {}
    for day, file, row, reason, n in quarantine:
        quarantined[day] = quarantined.get(day, 0) + 1
        if n <= 20:
            samples.setdefault(day, []).append({"file": file, "row": row, "reason": reason})
    return [
        Reconciliation(
            table.name,
            day,
            landing_rows[day],
            raw.get(day, 0),
            quarantined.get(day, 0),
            sorted(samples.get(day, []), key=lambda s: (s["file"], s["row"])),
        )
        for day in days
    ]


def reconcile(target: LoadTarget, landing: Path, table: Table, day: dt.date | None = None) -> Reconciliation:
    """`reconcile_days` of one partition (a transaction day, or the snapshot with `day` None)."""
    return reconcile_days(target, landing, table, [day])[0]


# ---------------------------------------------------------------------------------------------- outbox


@dataclass(frozen=True)
class OutboxLoad:
    source: str
    rows: int
    loaded_rows: int
    quarantined_rows: int
    last_seq: int


def outbox_watermark(target: LoadTarget, source: str) -> int:
    """The last outbox sequence number loaded from `source` (0 before the first load)."""
    rows = target.execute(
        f"select max(last_seq) from {RAW_SCHEMA}.raw_outbox_watermark where source = ?", [source]
    )
    return rows[0][0] or 0


def _outbox_files(rows: list, table: Table, folder: Path, label: str) -> list[_File]:
    """The batch's rows of a table written as Parquet files into `folder`, one per day."""
    by_day: dict[dt.date, list[dict]] = {}
    for r in rows:
        if r.table_name == table.name:
            by_day.setdefault(r.row["occurred_at"].date(), []).append(r.row)
    files = []
    for day, day_rows in sorted(by_day.items()):
        path = transaction_dir(folder, table.name, day) / "outbox.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(day_rows, schema=arrow_schema(table)), path)
        files.append(_read_footer(path, day, label))
    return files


def load_outbox(target: LoadTarget, rows: list, *, source: str) -> OutboxLoad:
    """Validate and append a batch of outbox rows (objects with seq, table_name, row), in seq order.

    The rows, their quarantine and the source's new watermark commit in ONE transaction: a load killed
    half-way leaves nothing behind, and the next starts after the last committed seq (exactly once).
    Rows are checked with the same contract rules as landing files, each in the partition of its day,
    and their files (one per table and day, numbered below 0) are labelled `outbox:<source>:seq
    <first>-<last>` in raw.raw_load_files.
    Raises ValueError for rows of a table that is not a contract transaction (nothing written).
    """
    if not rows:
        return OutboxLoad(source, 0, 0, 0, outbox_watermark(target, source))
    rows = sorted(rows, key=lambda r: r.seq)
    transactions = [t for t in load_order() if t.kind == "transaction"]
    unknown = sorted({r.table_name for r in rows} - {t.name for t in transactions})
    if unknown:
        raise ValueError(f"outbox rows of tables that are not contract transactions: {', '.join(unknown)}")
    first, last = rows[0].seq, rows[-1].seq
    label = f"{OUTBOX_PREFIX}{source}:seq {first}-{last}"
    load_id, loaded_at = _new_load()
    loaded = quarantined = 0
    with tempfile.TemporaryDirectory() as tmp, target.transaction():
        # referenced tables first: a booking may point at a slot published in the same batch
        for table in transactions:
            files = _outbox_files(rows, table, Path(tmp), label)
            if not files:
                continue
            days = [f.day for f in files]
            results = _load_batch(
                target, table, files, days, load_id=load_id, loaded_at=loaded_at, outbox=True
            )
            loaded += sum(r.loaded_rows for r in results)
            quarantined += sum(r.quarantined_rows for r in results)
        target.execute(f"delete from {RAW_SCHEMA}.raw_outbox_watermark where source = ?", [source])
        target.execute(
            f"insert into {RAW_SCHEMA}.raw_outbox_watermark values (?, ?, ?)", [source, last, loaded_at]
        )
    return OutboxLoad(source, len(rows), loaded, quarantined, last)
