"""The raw layer: tables exactly as exported (derived from the contract) plus load metadata.

raw.<contract table>   the contract's columns, then _partition_date (transactions only),
                       _source_file, _load_id, _loaded_at
raw.raw_quarantine     rows that broke the contract: table, partition, file, row number, reason, the row
raw.raw_load_log       one row per loaded (table, partition): landing = loaded + quarantined, and for a
                       reference snapshot the content hash of its files (reloaded only when it changes)
"""

from __future__ import annotations

from services.contract import Table
from services.contract.schema import sql_type
from services.contract.tables import TABLES

RAW_SCHEMA = "raw"

LOAD_COLUMNS = ("_source_file", "_load_id", "_loaded_at")


def raw_columns(table: Table) -> list[str]:
    """Column order of a raw table."""
    extra = ["_partition_date"] if table.kind == "transaction" else []
    return [*table.column_names, *extra, *LOAD_COLUMNS]


def raw_table_ddl(table: Table, dialect: str) -> str:
    cols = [f"{c.name} {sql_type(c.type, dialect)}" for c in table.columns]
    if table.kind == "transaction":
        cols.append("_partition_date date not null")
    cols += ["_source_file varchar not null", "_load_id varchar not null", "_loaded_at timestamp not null"]
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


def raw_schema_ddl(dialect: str) -> list[str]:
    """Every statement that creates the raw layer (idempotent)."""
    stmts = [f"create schema if not exists {RAW_SCHEMA}"]
    stmts += [raw_table_ddl(t, dialect) for t in TABLES.values()]
    stmts += [QUARANTINE_DDL, LOAD_LOG_DDL, *LOAD_LOG_MIGRATIONS, OUTBOX_WATERMARK_DDL]
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
