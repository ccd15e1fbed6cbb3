"""Load landing files into the raw layer, checking every row against the contract.

A partition (one transaction table, one day) or a reference snapshot is loaded as a whole and replaces
what was there, so re-running a load never duplicates. Each row is checked with the rules the contract
declares (type, nullability, vocabulary, range, pattern, uniqueness of the key, references to earlier
events); a row that breaks one goes to `raw.raw_quarantine` with the file, its row number, the reason and
the row itself, and the good rows load. Nothing is dropped: landing = loaded + quarantined, recorded in
`raw.raw_load_log` and checked by `reconcile()`.

Validation runs in DuckDB whatever the target: in the warehouse file itself for the DuckDB target, in an
in-memory DuckDB for PostgreSQL (the good rows are then copied over with COPY).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from services.contract import Column, Table, arrow_schema
from services.contract.landing import reference_dir, transaction_dir
from services.contract.tables import TABLES
from warehouse.raw import RAW_SCHEMA, raw_columns, raw_schema_ddl, sql_type

# How far back a reference may point (a slot is published at most this long before it is booked, etc.).
# Bounding the look-up keeps a day's load independent of the history held.
REFERENCE_WINDOW_DAYS = 90

# Rows from the API's outbox carry this prefix in _source_file; reloading landing files leaves them be.
OUTBOX_PREFIX = "outbox:"
_FROM_FILES = f"not _source_file like '{OUTBOX_PREFIX}%'"


@dataclass(frozen=True)
class LoadResult:
    table: str
    partition: dt.date | None
    files: int
    landing_rows: int
    loaded_rows: int
    quarantined_rows: int
    load_id: str
    reloaded: bool = True  # TEMPORARY shim until the set-based ingest lands

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
    """Contract tables ordered so that a referenced table loads before the tables that reference it."""
    ordered: list[Table] = []
    pending = list(TABLES.values())
    while pending:
        for t in pending:
            deps = {c.references[0] for c in t.columns if c.references}
            if deps <= {o.name for o in ordered}:
                ordered.append(t)
                pending.remove(t)
                break
        else:  # pragma: no cover - the contract has no cycles
            raise RuntimeError("cycle in contract references")
    return ordered


# --------------------------------------------------------------------------------------------- targets


class _Target:
    """What a load needs from the warehouse it writes to.

    `write()` runs inside `transaction()`; statements go through `execute()` with `?` placeholders.
    """

    dialect: str

    def __init__(self, con: Any):
        self.con = con

    def validation_connection(self) -> duckdb.DuckDBPyConnection:
        raise NotImplementedError

    def ensure_raw_schema(self) -> None:
        for stmt in raw_schema_ddl(self.dialect):
            self.execute(stmt)

    def execute(self, sql: str, params: list | None = None) -> list[tuple]:
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractContextManager:
        raise NotImplementedError

    def known_keys_sql(
        self, vcon: duckdb.DuckDBPyConnection, table: str, column: str, day: dt.date, wanted: str
    ) -> str:
        """SQL (in the validation connection) of those `wanted` keys (SQL in the validation connection)
        that a reference may point at on this day: keys of `table` loaded in the window before it."""
        raise NotImplementedError

    def insert(self, name: str, data: pa.Table) -> None:
        raise NotImplementedError

    def write(
        self, table: Table, day: dt.date | None, good: pa.Table, bad: pa.Table, log: tuple, *, replace: bool
    ) -> None:
        """Insert a load's rows, its quarantine and its log row; with `replace`, first drop what the
        landing files put in that partition earlier (rows from the API's outbox stay)."""
        if replace:
            part, params = ("_partition_date = ?", [day]) if table.kind == "transaction" else ("true", [])
            qpart = "partition_date = ?" if table.kind == "transaction" else "partition_date is null"
            qparams = [table.name] + ([day] if table.kind == "transaction" else [])
            self.execute(f"delete from {RAW_SCHEMA}.{table.name} where {part} and {_FROM_FILES}", params)
            self.execute(
                f"delete from {RAW_SCHEMA}.raw_quarantine where table_name = ? and {qpart} "
                f"and not source_file like '{OUTBOX_PREFIX}%'",
                qparams,
            )
            self.execute(
                f"delete from {RAW_SCHEMA}.raw_load_log where table_name = ? and {qpart} and source_files > 0"
                if table.kind == "transaction"
                else f"delete from {RAW_SCHEMA}.raw_load_log where table_name = ? and {qpart}",
                qparams,
            )
        self.insert(table.name, good)
        self.insert("raw_quarantine", bad)
        self.execute(f"insert into {RAW_SCHEMA}.raw_load_log values (?, ?, ?, ?, ?, ?, ?, ?)", list(log))

    def replace(self, table: Table, day: dt.date | None, good: pa.Table, bad: pa.Table, log: tuple) -> None:
        with self.transaction():
            self.write(table, day, good, bad, log, replace=True)


class _DuckDBTarget(_Target):
    dialect = "duckdb"

    def validation_connection(self) -> duckdb.DuckDBPyConnection:
        return self.con

    def execute(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    @contextlib.contextmanager
    def transaction(self):
        self.con.execute("begin transaction")
        try:
            yield
        except BaseException:
            self.con.execute("rollback")
            raise
        self.con.execute("commit")

    def known_keys_sql(self, vcon, table, column, day, wanted):
        since = day - dt.timedelta(days=REFERENCE_WINDOW_DAYS)
        name = f"_known_{table}_{column}"
        vcon.execute(
            f"create or replace temp table {name} as "
            f"select distinct {column} as key from {RAW_SCHEMA}.{table} "
            f"where _partition_date between date '{since}' and date '{day}' "
            f"and {column} in (select key from ({wanted}) as w where key is not null)"
        )
        return f"select key from {name}"

    def insert(self, name, data):
        if data.num_rows == 0:
            return
        self.con.register("_rows", data)
        try:
            cols = ", ".join(data.column_names)
            self.con.execute(f"insert into {RAW_SCHEMA}.{name} ({cols}) select {cols} from _rows")
        finally:
            self.con.unregister("_rows")


class _PostgresTarget(_Target):
    dialect = "postgres"

    def __init__(self, con: Any):
        super().__init__(con)
        self._vcon = duckdb.connect()

    def validation_connection(self) -> duckdb.DuckDBPyConnection:
        return self._vcon

    def execute(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.con.cursor() as cur:
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), params or [])
            return cur.fetchall() if cur.description else []

    def transaction(self):
        return self.con.transaction()

    def known_keys_sql(self, vcon, table, column, day, wanted):
        since = day - dt.timedelta(days=REFERENCE_WINDOW_DAYS)
        keys = [
            r[0] for r in vcon.execute(f"select key from ({wanted}) as w where key is not null").fetchall()
        ]
        rows = self.execute(
            f"select distinct {column} from {RAW_SCHEMA}.{table} "
            f"where _partition_date between ? and ? and {column} = any(?)",
            [since, day, keys],
        )
        name = f"_known_{table}_{column}"
        vcon.register(name, pa.table({"key": pa.array([r[0] for r in rows], type=pa.int64())}))
        return f"select key from {name}"

    def insert(self, name, data):
        if data.num_rows == 0:
            return
        buf = io.BytesIO()
        pacsv.write_csv(data, buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        cols = ", ".join(data.column_names)
        with (
            self.con.cursor() as cur,
            cur.copy(f"copy {RAW_SCHEMA}.{name} ({cols}) from stdin with (format csv)") as copy,
        ):
            copy.write(buf.getvalue())


def target_for(con: Any) -> _Target:
    """Wrap a warehouse connection (from `warehouse.connect(read_only=False)`) for loading."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        return _DuckDBTarget(con)
    if not con.autocommit:
        con.autocommit = True  # transactions are opened explicitly around each load
    return _PostgresTarget(con)


# ------------------------------------------------------------------------------------------ validation


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _when(condition: str, *parts: str) -> str:
    """A rule: when the condition holds, the reason (SQL string parts joined with ||), else null."""
    return f"case when {condition} then {' || '.join(parts)} end"


def _rule_sql(col: Column, present: bool, known_sql: str | None) -> tuple[str, list[str]]:
    """The typed expression of a column and the SQL of each rule it can break (null when kept)."""
    name = col.name
    if not present:
        return "null", [_quote(f"{name}: column missing from the file")]
    src = f'src."{name}"'
    typed = f"try_cast({src} as {sql_type(col.type, 'duckdb')})"
    text = f"cast({typed} as varchar)"
    label = _quote(f"{name}: ")
    rules = []
    if not col.nullable:
        rules.append(_when(f"{src} is null", _quote(f"{name}: must not be null")))
    rules.append(
        _when(
            f"{src} is not null and {typed} is null",
            label,
            f"left(cast({src} as varchar), 40)",
            _quote(f" is not a valid {col.type}"),
        )
    )
    if col.allowed:
        values = ", ".join(_quote(v) for v in col.allowed)
        rules.append(_when(f"{typed} not in ({values})", label, text, _quote(" is not an allowed value")))
    if col.min is not None:
        rules.append(_when(f"{typed} < {col.min}", label, text, _quote(f" is below the minimum {col.min:g}")))
    if col.max is not None:
        rules.append(_when(f"{typed} > {col.max}", label, text, _quote(f" is above the maximum {col.max:g}")))
    if col.pattern:
        rules.append(
            _when(
                f"not regexp_full_match({typed}, {_quote(col.pattern)})",
                label,
                text,
                _quote(f" does not match {col.pattern}"),
            )
        )
    if known_sql is not None and col.references:
        ref_table, ref_col = col.references
        rules.append(
            _when(
                f"{typed} is not null and {typed} not in ({known_sql})",
                label,
                text,
                _quote(f" is unknown (no earlier {ref_table} row with this {ref_col})"),
            )
        )
    return typed, rules


def _numbered_rows(file: Path) -> str:
    """SQL reading a landing file with each row's number in it (`file_row_number`, from 0)."""
    return f"read_parquet({_quote(str(file))}, file_row_number = true, hive_partitioning = false)"


def _validate(
    target: _Target,
    table: Table,
    files: list[Path],
    day: dt.date | None,
    load_id: str,
    loaded_at: dt.datetime,
    labels: dict[Path, str] | None = None,
) -> tuple[pa.Table, pa.Table, int]:
    """Check every row of the files; return (good rows in raw layout, quarantine rows, landing rows).

    `labels` names a file's rows in `_source_file` when the file is only a vehicle (the outbox's)."""
    vcon = target.validation_connection()
    file_columns = {f: set(pq.read_schema(f).names) for f in files}
    known: dict[str, str] = {}
    if table.kind == "transaction":
        for col in table.columns:
            holders = [f for f in files if col.name in file_columns[f]]
            if col.references and holders:
                ref_table, ref_col = col.references
                # only the keys this day's rows point at are looked up (keys loaded earlier, plus those of
                # this very day: tables load in order), so the cost follows the day, not the window
                wanted = " union ".join(
                    f"select try_cast({col.name} as bigint) as key from read_parquet({_quote(str(f))})"
                    for f in holders
                )
                known[col.name] = target.known_keys_sql(vcon, ref_table, ref_col, day, wanted)

    selects = []
    landing_rows = 0
    for f in files:
        landing_rows += pq.ParquetFile(f).metadata.num_rows
        file_cols = file_columns[f]
        typed_cols, rules = [], []
        for col in table.columns:
            typed, col_rules = _rule_sql(col, col.name in file_cols, known.get(col.name))
            typed_cols.append(f'{typed} as "{col.name}"')
            rules += col_rules
        if day is not None and "occurred_at" in file_cols:
            # the contract: an event's partition is the (Moscow) date of its occurred_at; the facts and the
            # windowed checks of a day rely on it
            occurred = f"try_cast(src.occurred_at as {sql_type('timestamp', 'duckdb')})"
            rules.append(
                _when(
                    f"cast({occurred} as date) <> date '{day.isoformat()}'",
                    _quote("occurred_at: "),
                    f"cast({occurred} as varchar)",
                    _quote(f" is not on the partition's day {day.isoformat()}"),
                )
            )
        for extra in sorted(file_cols - set(table.column_names)):
            rules.append(_quote(f"{extra}: column is not in the contract"))
        selects.append(
            f"select {', '.join(typed_cols)}, "
            f"list_filter([{', '.join(rules)}], lambda r: r is not null) as _reasons, "
            f"{_quote((labels or {}).get(f, str(f)))} as _source_file, {_quote(str(f))} as _file, "
            f"src.file_row_number as _row_number "
            f"from {_numbered_rows(f)} as src"
        )
    vcon.execute("create or replace temp table _checked as " + " union all ".join(selects))

    # A key seen twice (in one file or across the day's files) keeps its first row only.
    if table.primary_key:
        key = ", ".join(f'"{k}"' for k in table.primary_key)
        reason = _quote(f"{', '.join(table.primary_key)}: duplicate of an earlier row")
        vcon.execute(
            f"""
            create or replace temp table _checked as
            select * replace (
                case when row_number() over (partition by {key} order by _source_file, _row_number) > 1
                          and {" and ".join(f'"{k}" is not null' for k in table.primary_key)}
                     then list_append(_reasons, {reason}) else _reasons end as _reasons)
            from _checked
            """
        )

    meta = ", ".join(
        ([f"date '{day}' as _partition_date"] if table.kind == "transaction" else [])
        + ["_source_file", f"{_quote(load_id)} as _load_id", f"timestamp '{loaded_at}' as _loaded_at"]
    )
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    good = vcon.sql(
        f"select {cols}, {meta} from _checked where len(_reasons) = 0 order by _source_file, _row_number"
    ).to_arrow_table()
    part = f"date '{day}'" if table.kind == "transaction" else "cast(null as date)"
    # the quarantine keeps each bad row whole, as JSON read back from its file (rare, so read only then)
    has_bad = vcon.execute("select count(*) from _checked where len(_reasons) > 0").fetchall()[0][0] > 0
    if has_bad:
        rows_json = " union all ".join(
            f"select {_quote(str(f))} as _file, file_row_number, to_json(src) as row_json "
            f"from {_numbered_rows(f)} as src"
            for f in files
        )
        bad = vcon.sql(
            f"""
            select {_quote(table.name)} as table_name, {part} as partition_date,
                   c._source_file as source_file, c._row_number as row_number,
                   array_to_string(c._reasons, '; ') as reason, cast(j.row_json as varchar) as row_json,
                   {_quote(load_id)} as _load_id, timestamp '{loaded_at}' as _loaded_at
            from (select * from _checked where len(_reasons) > 0) as c
            inner join ({rows_json}) as j on c._file = j._file and c._row_number = j.file_row_number
            order by c._source_file, c._row_number
            """
        ).to_arrow_table()
    else:
        bad = _empty_quarantine(target)
    vcon.execute("drop table if exists _checked")
    assert good.column_names == raw_columns(table)
    return good, bad, landing_rows


# ------------------------------------------------------------------------------------------------ load


def landing_files(landing: Path, table: Table, day: dt.date | None = None) -> list[Path]:
    folder = (
        transaction_dir(landing, table.name, day)
        if table.kind == "transaction"
        else reference_dir(landing, table.name)
    )
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def load(target: _Target, landing: Path, table: Table, day: dt.date | None = None) -> LoadResult:
    """Load one transaction partition (`day`) or one reference snapshot, replacing what was there."""
    if table.kind == "transaction" and day is None:
        raise ValueError(f"{table.name} is a transaction table: give the partition day")
    files = landing_files(landing, table, day)
    load_id = uuid.uuid4().hex
    loaded_at = dt.datetime.now().replace(microsecond=0)
    if files:
        good, bad, landing_rows = _validate(target, table, files, day, load_id, loaded_at)
    else:  # an empty partition is still a load: it clears what was there and logs zero
        nulls = ", ".join(f"null::{_raw_type(table, c)} as {c}" for c in raw_columns(table))
        good = target.validation_connection().sql(f"select {nulls} where false").to_arrow_table()
        bad = _empty_quarantine(target)
        landing_rows = 0
    partition = day if table.kind == "transaction" else None
    log = (table.name, partition, len(files), landing_rows, good.num_rows, bad.num_rows, load_id, loaded_at)
    target.replace(table, partition, good, bad, log)
    return LoadResult(table.name, day, len(files), landing_rows, good.num_rows, bad.num_rows, load_id)


def load_days(target: _Target, landing: Path, table: Table, days: list[dt.date]) -> list[LoadResult]:
    """TEMPORARY shim until the set-based ingest lands."""
    return [load(target, landing, table, d) for d in days]


def load_snapshot(target: _Target, landing: Path, table: Table) -> LoadResult:
    """TEMPORARY shim until the set-based ingest lands."""
    return load(target, landing, table)


def _raw_type(table: Table, column: str) -> str:
    if column in table.column_names:
        return sql_type(table.column(column).type, "duckdb")
    return {"_partition_date": "date", "_loaded_at": "timestamp"}.get(column, "varchar")


def _empty_quarantine(target: _Target) -> pa.Table:
    return (
        target.validation_connection()
        .sql(
            "select null::varchar as table_name, null::date as partition_date, null::varchar as source_file, "
            "null::bigint as row_number, null::varchar as reason, null::varchar as row_json, "
            "null::varchar as _load_id, null::timestamp as _loaded_at where false"
        )
        .to_arrow_table()
    )


def reconcile(target: _Target, landing: Path, table: Table, day: dt.date | None = None) -> Reconciliation:
    """Count the landing rows again and compare them with what the warehouse holds for the partition."""
    files = landing_files(landing, table, day)
    landing_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    if table.kind == "transaction":
        raw_rows = target.execute(
            f"select count(*) from {RAW_SCHEMA}.{table.name} where _partition_date = ? and {_FROM_FILES}",
            [day],
        )[0][0]
        qwhere, qparams = "table_name = ? and partition_date = ?", [table.name, day]
    else:
        raw_rows = target.execute(f"select count(*) from {RAW_SCHEMA}.{table.name}")[0][0]
        qwhere, qparams = "table_name = ? and partition_date is null", [table.name]
    quarantined = target.execute(f"select count(*) from {RAW_SCHEMA}.raw_quarantine where {qwhere}", qparams)[
        0
    ][0]
    sample_rows = target.execute(
        f"select source_file, row_number, reason from {RAW_SCHEMA}.raw_quarantine where {qwhere} "
        "order by source_file, row_number limit 20",
        qparams,
    )
    sample = [{"file": r[0], "row": r[1], "reason": r[2]} for r in sample_rows]
    return Reconciliation(table.name, day, landing_rows, raw_rows, quarantined, sample)


# ---------------------------------------------------------------------------------------------- outbox


@dataclass(frozen=True)
class OutboxLoad:
    source: str
    rows: int
    loaded_rows: int
    quarantined_rows: int
    last_seq: int


def outbox_watermark(target: _Target, source: str) -> int:
    """The last outbox sequence number loaded from `source` (0 before the first load)."""
    rows = target.execute(
        f"select max(last_seq) from {RAW_SCHEMA}.raw_outbox_watermark where source = ?", [source]
    )
    return rows[0][0] or 0


def outbox_days(target: _Target) -> list[dt.date]:
    """Days that rows from an outbox fell on (their loads are logged with no source files)."""
    rows = target.execute(
        f"select distinct partition_date from {RAW_SCHEMA}.raw_load_log "
        "where source_files = 0 and landing_rows > 0 and partition_date is not null order by 1"
    )
    return [r[0] for r in rows]


def load_outbox(target: _Target, rows: list, *, source: str) -> OutboxLoad:
    """Validate and append a batch of outbox rows (objects with seq, table_name, row), in seq order.

    The rows, their quarantine and the source's new watermark commit in ONE transaction: a load killed
    half-way leaves nothing behind, and the next starts after the last committed seq (exactly once).
    Rows are checked with the same contract rules as landing files, each in the partition of its day.
    """
    if not rows:
        return OutboxLoad(source, 0, 0, 0, outbox_watermark(target, source))
    rows = sorted(rows, key=lambda r: r.seq)
    first, last = rows[0].seq, rows[-1].seq
    label = f"{OUTBOX_PREFIX}{source}:seq {first}-{last}"
    load_id = uuid.uuid4().hex
    loaded_at = dt.datetime.now().replace(microsecond=0)
    loaded = quarantined = 0
    with tempfile.TemporaryDirectory() as tmp, target.transaction():
        # referenced tables first: a booking may point at a slot published in the same batch
        for table in (t for t in load_order() if t.kind == "transaction"):
            by_day: dict[dt.date, list[dict]] = {}
            for r in rows:
                if r.table_name == table.name:
                    by_day.setdefault(r.row["occurred_at"].date(), []).append(r.row)
            for day, day_rows in sorted(by_day.items()):
                path = Path(tmp) / f"{table.name}-{day}.parquet"
                pq.write_table(pa.Table.from_pylist(day_rows, schema=arrow_schema(table)), path)
                good, bad, n = _validate(target, table, [path], day, load_id, loaded_at, {path: label})
                log = (table.name, day, 0, n, good.num_rows, bad.num_rows, load_id, loaded_at)
                target.write(table, day, good, bad, log, replace=False)
                loaded, quarantined = loaded + good.num_rows, quarantined + bad.num_rows
        unknown = sorted(
            {r.table_name for r in rows} - {t.name for t in load_order() if t.kind == "transaction"}
        )
        if unknown:
            raise ValueError(
                f"outbox rows of tables that are not contract transactions: {', '.join(unknown)}"
            )
        target.execute(f"delete from {RAW_SCHEMA}.raw_outbox_watermark where source = ?", [source])
        target.execute(
            f"insert into {RAW_SCHEMA}.raw_outbox_watermark values (?, ?, ?)", [source, last, loaded_at]
        )
    return OutboxLoad(source, len(rows), loaded, quarantined, last)
