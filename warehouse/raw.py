"""The raw layer: tables exactly as exported (derived from the contract) plus load metadata.

raw.<contract table>   the contract's columns, then _partition_date (transactions only), _file, _loaded_at
raw.raw_load_files     one row per file a load read: (table_name, file) names the file that a raw row's
                       _file points at: the load that read it, its partition, its label and its rows
raw.raw_quarantine     rows that broke the contract: table, partition, file, row number, reason, the row
raw.raw_load_log       one row per loaded (table, partition): landing = loaded + quarantined, and for a
                       reference snapshot the content hash of its files (reloaded only when it changes)
"""

from __future__ import annotations

from services.contract import Table
from services.contract.schema import sql_type
from services.contract.tables import TABLES

RAW_SCHEMA = "raw"

# A row's lineage is its file's number (`_file`, unique within the table), named in raw.raw_load_files
# with the load that read it. A column per row is paid on every row loaded: an integer costs the load
# about a fifth of what the file's label did (appointment_attended, 7.1M rows: +0.05 s against +0.24 s
# over a plain read of 0.49 s), and the load's id, a string, cost a third of the raw read again on
# appointment_attended at --scale 0.1 (CPU 0.10 s -> 0.14 s): both live in the files table, one row per
# file. Landing files number from 0 up, each load's after the table's highest; the API's outbox batches
# number below 0, so a reload of landing files leaves outbox rows alone with a test on the row itself
# (`_file >= 0`), no join.
LOAD_COLUMNS = ("_file", "_loaded_at")
FROM_FILES = "_file >= 0"


def raw_columns(table: Table) -> list[str]:
    """Column order of a raw table."""
    extra = ["_partition_date"] if table.kind == "transaction" else []
    return [*table.column_names, *extra, *LOAD_COLUMNS]


def raw_table_ddl(table: Table, dialect: str) -> str:
    cols = [f"{c.name} {sql_type(c.type, dialect)}" for c in table.columns]
    if table.kind == "transaction":
        cols.append("_partition_date date not null")
    cols += ["_file integer not null", "_loaded_at timestamp not null"]
    return f"create table if not exists {RAW_SCHEMA}.{table.name} (\n    " + ",\n    ".join(cols) + "\n)"


QUARANTINE_DDL = f"""create table if not exists {RAW_SCHEMA}.raw_quarantine (
    table_name varchar not null,
    partition_date date,
    source_file varchar not null,
    row_number bigint not null,
    reason varchar not null,
    row_json varchar not null,
    _load_id varchar not null,
    _loaded_at timestamp not null
)"""

LOAD_LOG_DDL = f"""create table if not exists {RAW_SCHEMA}.raw_load_log (
    table_name varchar not null,
    partition_date date,
    source_files integer not null,
    landing_rows bigint not null,
    loaded_rows bigint not null,
    quarantined_rows bigint not null,
    _load_id varchar not null,
    _loaded_at timestamp not null,
    content_hash varchar
)"""

# Warehouses created before the column existed get it (the column goes last either way).
LOAD_LOG_MIGRATIONS = [f"alter table {RAW_SCHEMA}.raw_load_log add column if not exists content_hash varchar"]

LOAD_FILES_DDL = f"""create table if not exists {RAW_SCHEMA}.raw_load_files (
    load_id varchar not null,
    table_name varchar not null,
    file integer not null,
    partition_date date,
    source_file varchar not null,
    landing_rows bigint not null,
    _loaded_at timestamp not null
)"""


OUTBOX_WATERMARK_DDL = f"""create table if not exists {RAW_SCHEMA}.raw_outbox_watermark (
    source varchar not null,
    last_seq bigint not null,
    _loaded_at timestamp not null
)"""


# the jobs' own state (warehouse/watermarks.py): landed days waiting to load, and what dbt has built
LANDED_DAYS_DDL = f"""create table if not exists {RAW_SCHEMA}.raw_landed_days (
    partition_date date not null,
    fingerprint varchar not null,
    queued_at timestamp not null,
    loaded_at timestamp
)"""

MODEL_BUILDS_DDL = f"""create table if not exists {RAW_SCHEMA}.raw_model_builds (
    model varchar not null,
    loads_up_to timestamp not null,
    built_at timestamp not null
)"""


OUTBOX_PREFIX = "outbox:"  # the label of an outbox batch's rows: `outbox:<source>:seq <first>-<last>`


def lineage_migration(table: Table, dialect: str) -> tuple[list[str], str]:
    """Statements that move a raw table of an older warehouse from a label and a load id per row
    (`_source_file`, `_load_id`) to a file number per row (`_file`) and the files table: its files are
    listed in raw.raw_load_files (landing files numbered from 0 in load and label order, outbox batches
    from -1 down), each row gets its file's number, and the two columns go. Run once, when
    `_source_file` is there: the statements in one transaction, then the not-null constraint (DuckDB sets
    none on a column updated in the same transaction). The table is altered in place. DuckDB binds a
    view's columns when it is read, so dbt's staging views (`select *` from the raw table) stay;
    PostgreSQL binds them when the view is made, so the views on the dropped columns go with them
    (CASCADE), and the marks of what dbt has built (raw.raw_model_builds) go too: the next build runs
    dbt, which makes the views again, even when nothing new has landed (a one-time rebuild of the models
    over every loaded day, as after a first build: the migration cannot tell which models stood on the
    views that went)."""
    raw = f"{RAW_SCHEMA}.{table.name}"
    part = "_partition_date" if table.kind == "transaction" else "cast(null as date)"
    outbox = f"_source_file like '{OUTBOX_PREFIX}%'"
    same_day = f"and f.partition_date = {raw}._partition_date" if table.kind == "transaction" else ""
    place = (
        "row_number() over (partition by outbox order by loaded_at, _load_id, partition_date, _source_file)"
    )
    cascade = " cascade" if dialect == "postgres" else ""
    moves = [
        f"insert into {RAW_SCHEMA}.raw_load_files "
        "(load_id, table_name, file, partition_date, source_file, landing_rows, _loaded_at) "
        f"select _load_id, '{table.name}', case when outbox then -{place} else {place} - 1 end, "
        "partition_date, _source_file, n, loaded_at from ("
        f"select _load_id, {part} as partition_date, _source_file, {outbox} as outbox, count(*) as n, "
        f"max(_loaded_at) as loaded_at from {raw} group by 1, 2, 3, 4) as f",
        f"alter table {raw} add column _file integer",
        f"update {raw} set _file = f.file from {RAW_SCHEMA}.raw_load_files as f "
        f"where f.table_name = '{table.name}' and f.load_id = {raw}._load_id "
        f"and f.source_file = {raw}._source_file {same_day}",
        f"alter table {raw} drop column _source_file{cascade}",
        f"alter table {raw} drop column _load_id{cascade}",
    ]
    if dialect == "postgres":
        moves.append(f"delete from {RAW_SCHEMA}.raw_model_builds")
    return moves, f"alter table {raw} alter column _file set not null"


def raw_schema_ddl(dialect: str) -> list[str]:
    """Every statement that creates the raw layer (idempotent)."""
    stmts = [f"create schema if not exists {RAW_SCHEMA}"]
    stmts += [raw_table_ddl(t, dialect) for t in TABLES.values()]
    stmts += [QUARANTINE_DDL, LOAD_LOG_DDL, *LOAD_LOG_MIGRATIONS, LOAD_FILES_DDL, OUTBOX_WATERMARK_DDL]
    stmts += [LANDED_DAYS_DDL, MODEL_BUILDS_DDL]
    if dialect == "postgres":
        # a day's delete, count and reference look-up read only that day's blocks; a BRIN index is a few
        # pages per table and costs the bulk COPY next to nothing (rows arrive in day order)
        stmts += [
            f"create index if not exists {t.name}__partition_date on {RAW_SCHEMA}.{t.name} "
            "using brin (_partition_date)"
            for t in TABLES.values()
            if t.kind == "transaction"
        ]
    return stmts
