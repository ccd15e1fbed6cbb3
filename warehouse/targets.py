"""Where a load writes: the DuckDB file itself, or PostgreSQL fed by COPY. The load's only dialect-aware part.

A `LoadTarget` wraps a warehouse connection for `warehouse.ingest`: it runs statements (`?` placeholders)
in a transaction, gives the DuckDB connection that reads the landing files and checks their rows
(`vcon`: the warehouse file itself, or an in-memory DuckDB for PostgreSQL), inserts the rows of a
checking query into a raw table (INSERT ... SELECT, or one COPY streamed from DuckDB), and answers the
reference look-ups (which keys of a referenced table were loaded on which days) and the cross-row rules'
look-ups (the looked-up rows' columns, e.g. each patient's birth month and death date).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from services.contract import Column
from services.contract.rules import REFERENCE_WINDOW_DAYS, hop_aliases, quote
from services.contract.schema import Lookup, Table, sql_type
from services.contract.tables import TABLES
from warehouse.raw import RAW_SCHEMA, lineage_migration, raw_schema_ddl


class LoadTarget:
    """What a load needs from the warehouse it writes to.

    Statements go through `execute()` with `?` placeholders; a load's writes run inside `transaction()`.
    `vcon` is the DuckDB connection that reads the landing files and checks the rows.
    """

    dialect: str
    vcon: duckdb.DuckDBPyConnection

    def __init__(self, con: Any):
        self.con = con

    def ensure_raw_schema(self) -> None:
        for stmt in raw_schema_ddl(self.dialect):
            self.execute(stmt)
        labelled = {
            name
            for (name,) in self.execute(
                "select table_name from information_schema.columns "
                "where table_schema = ? and column_name = '_source_file'",
                [RAW_SCHEMA],
            )
        }
        for table in TABLES.values():
            if table.name in labelled:  # a warehouse from before the files table: migrated once
                moves, not_null = lineage_migration(table, self.dialect)
                with self.transaction():
                    for stmt in moves:
                        self.execute(stmt)
                self.execute(not_null)

    # True where a scan of the rows a load inserted costs less than hashing its files' keys before
    # (`repeated_keys`): DuckDB's columnar tables; a PostgreSQL table scan does not
    counts_loaded_keys = False

    def repeated_keys(self, table: Table, where: str) -> bool:
        """Whether two rows of raw.<table> meeting `where` may have the same primary key in one partition:
        their keys' hashes repeat (a narrow aggregate; a collision only sends the load to the exact
        check of the files)."""
        part = ["_partition_date"] if table.kind == "transaction" else []
        by = ", ".join(part + [f'"{k}"' for k in table.primary_key])
        sql = f"select 1 from {RAW_SCHEMA}.{table.name} where {where} group by hash({by}) having count(*) > 1"
        return bool(self.execute(f"{sql} limit 1"))

    def execute(self, sql: str, params: Sequence | None = None) -> list[tuple]:
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractContextManager:
        raise NotImplementedError

    def known_keys(
        self, col: Column, wanted: str, since: dt.date, until: dt.date, name: str, rows: int
    ) -> str:
        """SQL of a relation in `vcon` (key, lo, hi): the keys of the referenced table loaded between
        `since` and `until`, each with the days [lo, hi] a row may point at it from. It holds at least
        the keys of `wanted` (SQL in `vcon` with a column `key`, from `rows` rows); `name` is free for
        a temp table."""
        in_window = self.loaded_rows(col.references[0], since, until)  # type: ignore[index]
        # a window about the size of the range (a backfill) is cheaper to take whole than to pick the
        # wanted keys out of; a day's load looks up its own keys in a window of many days
        return self._known(col, since, until, name, None if in_window <= 2 * rows else wanted)

    def loaded_rows(self, table: str, since: dt.date, until: dt.date) -> int:
        """The rows raw.raw_load_log says were loaded into a transaction table from `since` to `until`."""
        ((rows,),) = self.execute(
            f"select coalesce(sum(loaded_rows), 0) from {RAW_SCHEMA}.raw_load_log "
            "where table_name = ? and partition_date between ? and ?",
            [table, since, until],
        )
        return rows

    def _known(self, col: Column, since: dt.date, until: dt.date, name: str, wanted: str | None) -> str:
        raise NotImplementedError

    def looked_up(
        self, lookup: Lookup, columns: list[str], where: str, name: str, wanted: str | None = None
    ) -> str:
        """SQL of a relation in `vcon` (key, *columns): the rows `lookup` finds in raw.<lookup.table>,
        by the key of its chain's first hop (a chain's hops joined in one statement), one row per key:
        the lowest event id of each hop where a hop's key is not its table's primary key. `where` is
        SQL valid in both dialects over the hops' aliases (`hop_aliases`: the last hop is r); with
        `wanted` (SQL in `vcon` with a column `key`) only the rows of those keys.
        `name` is free for a temp table."""
        chain = lookup.chain
        aliases = hop_aliases(lookup)
        source, key = _chain_source(lookup)
        transactions = [
            a
            for hop, a in zip(chain, aliases, strict=True)
            if TABLES[hop.table].primary_key != (hop.table_key,)
        ]
        if not transactions:
            select, tail = f"{key} as key" + "".join(f', r."{c}"' for c in columns), ""
        else:  # the first row of a key stands
            order = [f"{a}.event_id" for a in transactions]
            select, tail = self._first_per_key(key, columns, order)
        first = TABLES[chain[0].table].column(chain[0].table_key).type
        types = {"key": first} | {c: TABLES[lookup.table].column(c).type for c in columns}
        return self._rows(select, source, (key, first, wanted), where, tail, name, types)

    def every_row(self, lookup: Lookup, columns: list[str], where: str) -> str | None:
        """SQL in `vcon` of every row `lookup` may find in raw.<lookup.table> (key, *columns; a key may
        have several rows, the first one not picked out) under `where`, as in `looked_up`; None where
        `vcon` cannot read the raw tables (the PostgreSQL target's in-memory DuckDB)."""
        return None

    def _first_per_key(self, key: str, columns: list[str], order: list[str]) -> tuple[str, str]:
        """The select list and the tail (after WHERE) that keep, of the rows of each `key`, the first by
        `order`: `key` as key, then `columns` of alias r."""
        raise NotImplementedError

    def rows_of(
        self, table: str, columns: list[str], where: str, name: str, wanted: tuple[str, str] | None = None
    ) -> str:
        """SQL of a relation in `vcon` (*columns): the rows of raw.<table> for which `where` (SQL over
        alias r, valid in both dialects) holds; with `wanted` (column, SQL in `vcon` with a column `key`)
        only the rows whose column is one of those keys. `name` is free for a temp table."""
        cols = ", ".join(f'r."{c}"' for c in columns)
        types = {c: TABLES[table].column(c).type for c in columns}
        column, keys = wanted or (None, None)
        key = (f'r."{column}"', TABLES[table].column(column).type, keys) if column else (None, None, None)
        return self._rows(cols, f"{RAW_SCHEMA}.{table} as r", key, where, "", name, types)

    def _rows(
        self,
        select: str,
        source: str,
        wanted: tuple[str | None, str | None, str | None],
        where: str,
        tail: str,
        name: str,
        types: dict[str, str],
    ) -> str:
        """`select <select> from <source> where <where> <tail>`, taken into the `vcon` temp table `name`
        (its columns of these logical `types`); `wanted` = (column SQL, its logical type, keys SQL in
        `vcon` with a column `key`, or None for every row) keeps the rows whose column is a wanted key."""
        raise NotImplementedError

    def append(self, table: str, columns: list[str], select: str) -> None:
        """Insert the rows of `select` (SQL in `vcon`) into raw.<table> (columns)."""
        raise NotImplementedError


class DuckDBTarget(LoadTarget):
    dialect = "duckdb"
    counts_loaded_keys = True

    def __init__(self, con: duckdb.DuckDBPyConnection):
        super().__init__(con)
        self.vcon = con

    def execute(self, sql, params=None):
        return self.con.execute(sql, list(params or [])).fetchall()

    @contextlib.contextmanager
    def transaction(self):
        self.con.execute("begin transaction")
        try:
            yield
        except BaseException:
            self.con.execute("rollback")
            raise
        self.con.execute("commit")

    def _known(self, col, since, until, name, wanted):
        ref_table, ref_col = col.references  # type: ignore[misc]
        select = (
            f"select r.{ref_col} as key, r._partition_date as lo, "
            f"r._partition_date + {REFERENCE_WINDOW_DAYS} as hi from {RAW_SCHEMA}.{ref_table} as r "
            f"where r._partition_date between date '{since}' and date '{until}'"
        )
        if wanted is None:
            return f"({select})"
        wanted_only = f"and r.{ref_col} in (select key from ({wanted}) as w)"
        self.con.execute(f"create or replace temp table {name} as {select} {wanted_only}")
        return name

    def every_row(self, lookup, columns, where):
        source, key = _chain_source(lookup)
        return (
            f"select {key} as key" + "".join(f', r."{c}"' for c in columns) + f" from {source} where {where}"
        )

    def _first_per_key(self, key, columns, order):
        # a hash aggregate (DuckDB's DISTINCT ON sorts the rows), ordered by one number where it can be:
        # comparing structs costs the aggregate half again (event ids are positive 64-bit integers)
        if len(order) == 1:
            by = order[0]
        elif len(order) == 2:
            by = f"{order[0]}::hugeint * 18446744073709551616 + {order[1]}"
        else:
            by = f"({', '.join(order)})"
        first = "".join(f', arg_min(r."{c}", {by}) as "{c}"' for c in columns)
        return f"{key} as key{first}", " group by 1"

    def _rows(self, select, source, wanted, where, tail, name, types):
        column, _, keys = wanted
        if keys is not None:
            where = f"{where} and {column} in (select key from ({keys}) as w)"
        # few rows pass `where`: taken once, not scanned again by each statement of the load
        self.con.execute(
            f"create or replace temp table {name} as select {select} from {source} where {where}{tail}"
        )
        return name

    def append(self, table, columns, select):
        cols = ", ".join(columns)
        # DuckDB estimates a filtered Parquet scan at a fifth of its rows and would then build the semi
        # join's hash table from the files' rows (all columns) instead of from the known keys
        (before,) = self.con.execute("select current_setting('disabled_optimizers')").fetchone()
        self.con.execute("set disabled_optimizers = 'build_side_probe_side'")
        try:
            self.con.execute(f"insert into {RAW_SCHEMA}.{table} ({cols}) {select}")
        finally:
            self.con.execute(f"set disabled_optimizers = {quote(before)}")


class PostgresTarget(LoadTarget):
    """PostgreSQL: rows are checked in an in-memory DuckDB and cross over as CSV through COPY."""

    dialect = "postgres"

    def __init__(self, con: Any):
        super().__init__(con)
        self.vcon = duckdb.connect()
        self._tmp = tempfile.TemporaryDirectory(prefix="emias-ingest-")

    def execute(self, sql, params=None):
        with self.con.cursor() as cur:
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), list(params or []))
            return cur.fetchall() if cur.description else []

    def transaction(self):
        return self.con.transaction()

    def _copy_in(self, table: str, columns: list[str], select: str) -> None:
        """COPY the rows of `select` (SQL in `vcon`) into `table`, streamed: DuckDB writes CSV into a
        pipe while PostgreSQL parses it, so the two overlap and no file holds the rows."""
        pipe = Path(self._tmp.name) / f"rows-{uuid.uuid4().hex}.csv"
        os.mkfifo(pipe)
        # our own reader and writer ends keep the pipe open until DuckDB is done, whenever (and whether)
        # it opens the pipe: the reader then sees the end of the rows, never an early one
        reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
        holder = os.open(pipe, os.O_WRONLY)
        os.set_blocking(reader, True)
        failed: list[BaseException] = []

        def write() -> None:
            try:
                self.vcon.execute(f"copy ({select}) to {quote(str(pipe))} (format csv, header false)")
            except BaseException as e:  # raised in the caller's thread below
                failed.append(e)
            finally:
                os.close(holder)

        writer = threading.Thread(target=write, name="emias-copy", daemon=True)
        writer.start()
        try:
            with (
                os.fdopen(reader, "rb") as fh,
                self.con.cursor() as cur,
                cur.copy(f"copy {table} ({', '.join(columns)}) from stdin with (format csv)") as copy,
            ):
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
                writer.join()
                if failed:
                    raise failed[0]
        finally:
            writer.join()
            pipe.unlink()

    def _send_wanted(self, key_type: str, wanted: str) -> str:
        """Copy the distinct keys of `wanted` (SQL in `vcon`) into the temp table `_load_wanted` (key);
        returns the join that keeps a table's rows to those keys on the column `{key}` (SQL, e.g. r.id)."""
        self.execute("drop table if exists _load_wanted")  # its key's type is the look-up's
        self.execute(f"create temp table _load_wanted (key {sql_type(key_type, 'postgres')})")
        self._copy_in("_load_wanted", ["key"], f"select distinct key from ({wanted}) as w")
        self.execute("analyze _load_wanted")
        return "join _load_wanted as w on w.key = {key}"

    def _fetch(self, select: str, name: str, columns: dict[str, str], expr: str) -> str:
        """Copy the rows of `select` (SQL in PostgreSQL) into the `vcon` temp table `name` through CSV:
        `columns` are the CSV's names and logical types, `expr` the select list over them."""
        path = Path(self._tmp.name) / "fetched.csv"
        with (
            self.con.cursor() as cur,
            path.open("wb") as fh,
            cur.copy(f"copy ({select}) to stdout with (format csv)") as copy,
        ):
            for chunk in copy:
                fh.write(chunk)
        types = ", ".join(f"'{c}': '{sql_type(t, 'duckdb')}'" for c, t in columns.items())
        self.vcon.execute(
            f"create or replace temp table {name} as select {expr} from read_csv({quote(str(path))}, "
            f"auto_detect = false, header = false, delim = ',', columns = {{{types}}})"
        )
        return name

    def _known(self, col, since, until, name, wanted):
        ref_table, ref_col = col.references  # type: ignore[misc]
        key_type = TABLES[ref_table].column(ref_col).type
        # the wanted keys go over first, and only their rows come back
        join = "" if wanted is None else self._send_wanted(key_type, wanted).format(key=f"r.{ref_col}")
        known = (
            f"select r.{ref_col}, r._partition_date from {RAW_SCHEMA}.{ref_table} as r {join} "
            f"where r._partition_date between '{since}' and '{until}'"
        )
        window = f"key, day as lo, day + {REFERENCE_WINDOW_DAYS} as hi"
        return self._fetch(known, name, {"key": key_type, "day": "date"}, window)

    def _first_per_key(self, key, columns, order):
        cols = "".join(f', r."{c}"' for c in columns)
        return f"distinct on ({key}) {key} as key{cols}", f" order by {key}, {', '.join(order)}"

    def _rows(self, select, source, wanted, where, tail, name, types):
        column, key_type, keys = wanted
        if keys is not None:
            source += " " + self._send_wanted(key_type, keys).format(key=column)
        return self._fetch(f"select {select} from {source} where {where}{tail}", name, types, "*")

    def append(self, table, columns, select):
        self._copy_in(f"{RAW_SCHEMA}.{table}", columns, select)


def _chain_source(lookup: Lookup) -> tuple[str, str]:
    """The FROM clause of a look-up's hops in the raw tables, joined (aliases `hop_aliases`), and the SQL
    of its first hop's key."""
    chain = lookup.chain
    aliases = hop_aliases(lookup)
    source = f"{RAW_SCHEMA}.{chain[0].table} as {aliases[0]}"
    for hop, alias, before in zip(chain[1:], aliases[1:], aliases, strict=False):
        source += (
            f' join {RAW_SCHEMA}.{hop.table} as {alias} on {alias}."{hop.table_key}" = {before}."{hop.key}"'
        )
    return source, f'{aliases[0]}."{chain[0].table_key}"'


def target_for(con: Any) -> LoadTarget:
    """Wrap a warehouse connection (from `warehouse.connect(read_only=False)`) for loading."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        return DuckDBTarget(con)
    if not con.autocommit:
        con.autocommit = True  # transactions are opened explicitly around each load
    return PostgresTarget(con)
