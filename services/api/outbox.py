"""The outbox: export-contract rows written with each state change, and the reader the warehouse uses.

Writing: `emit(session, table, row)` adds one contract transaction row to the `outbox` table inside the
caller's database transaction, so the change and its export commit or roll back together. The row must be
exactly the contract table's columns (checked here; a bad row is a bug and fails the request).

Event ids: `event_id = 2**62 | seq`. The simulator's event ids are positive int64 below 2**62, so the two
producers never collide; `seq` is unique, so API event ids are unique too.

Order: readers rely on `seq` being the commit order. On PostgreSQL a sequence value is taken before commit,
so two transactions could commit out of seq order and a reader that had already passed seq N would skip a
late N-1. To rule that out, every transaction takes one transaction-scoped advisory lock right before it
writes its outbox rows and keeps it until commit (PostgreSQL makes a commit visible before it releases the
transaction's locks). Outbox writes therefore commit one at a time in seq order: whenever a reader sees seq
N, every lower seq is either committed and visible or will never exist (a rolled-back transaction leaves a
gap, which is fine). The lock is held only for the outbox insert and the commit, after the business rows
are written, so it costs well under a millisecond per transaction. SQLite has one writer at a time anyway.

Reading: `read_outbox(engine_or_url, after_seq, limit)` returns the rows with seq > after_seq in seq order,
converted to the contract's Python types. A loader that stores the last seq it loaded in the same
transaction as the rows it loaded is exactly-once and resumable. This module imports no web framework.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, func, insert, select, text, update
from sqlalchemy.orm import Session

from services.api.models import API_ID_BASE, OutboxEntry
from services.api.rules import enforce
from services.contract import table as contract_table
from services.contract.check import check
from services.contract.schema import Table

# Any fixed number will do; it only has to be the same for every writer of this database.
OUTBOX_LOCK_KEY = 0x454D4941  # "EMIA"
# One round trip on PostgreSQL: take the lock, then draw the seq, then insert the row with its event id.
# A subquery calling a volatile function is never flattened, so the lock is granted before nextval runs.
# (The payload is stored as json built from jsonb, so its keys are not in column order; readers use names.)
INSERT_LOCKED = text(
    """
    insert into outbox (seq, table_name, payload, created_at)
    select s.seq, :t, cast(cast(:p as jsonb) || jsonb_build_object('event_id', :base + s.seq) as json), :now
    from (
        select nextval(pg_get_serial_sequence('outbox', 'seq')) as seq
        from (select pg_advisory_xact_lock(:k)) as locked
    ) as s
    returning seq
    """
)
OUTBOX = OutboxEntry.__table__
INSERT_RETURNING_SEQ = insert(OUTBOX).returning(OUTBOX.c.seq)
SET_PAYLOAD = update(OUTBOX).where(OUTBOX.c.seq == bindparam("s"))

INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
MOSCOW_OFFSET = dt.timedelta(hours=3)  # Europe/Moscow is UTC+3 all year


_clock_shift = dt.timedelta(0)


def set_clock(start: dt.datetime | None) -> None:
    """Make the service's clock read `start` now and run on from there (None: the real clock).

    For demos over a simulated past: the API then books the simulated city's future slots and its outbox
    rows carry dates that continue the simulated history. One clock per process.
    """
    global _clock_shift
    _clock_shift = dt.timedelta(0)
    if start is not None:
        _clock_shift = start - moscow_now()


def moscow_now() -> dt.datetime:
    """Now as naive local Moscow time, the contract's clock (to the millisecond)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) + MOSCOW_OFFSET + _clock_shift
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def event_id(seq: int) -> int:
    return API_ID_BASE | seq


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row: its sequence number, contract table and the row with contract Python types."""

    seq: int
    table_name: str
    row: dict[str, Any]


# --- checking a row against the contract -----------------------------------------------------------------


def type_problems(table_name: str, row: dict[str, Any]) -> list[str]:
    """What keeps a row from being a contract row at all: an unknown or reference table, columns other
    than the table's, a value of another Python type than its column's (a bug in the caller). The
    contract's rules themselves are the executor's (`validate_row`, `services.api.rules.enforce`)."""
    try:
        t = contract_table(table_name)
    except KeyError as e:
        return [str(e)]
    if t.kind != "transaction":
        return [f"{table_name} is not a transaction table"]
    problems = []
    names = set(t.column_names)
    if set(row) != names:
        missing, extra = sorted(names - set(row)), sorted(set(row) - names)
        problems.append(f"{table_name}: columns missing {missing}, unexpected {extra}")
    for c in t.columns:
        v = row.get(c.name)
        if v is None:
            continue
        ok = {
            "string": isinstance(v, str),
            "int64": isinstance(v, int) and not isinstance(v, bool),
            "int32": isinstance(v, int) and not isinstance(v, bool),
            "float64": isinstance(v, float | int) and not isinstance(v, bool),
            "bool": isinstance(v, bool),
            "date": isinstance(v, dt.date) and not isinstance(v, dt.datetime),
            "timestamp": isinstance(v, dt.datetime) and v.tzinfo is None,
        }[c.type]
        if not ok:
            problems.append(f"{table_name}.{c.name}: {type(v).__name__} is not {c.type}")
        elif c.type in INT_RANGES and not INT_RANGES[c.type][0] <= v <= INT_RANGES[c.type][1]:
            problems.append(f"{table_name}.{c.name}: {v} is out of {c.type} range")
    return problems


def validate_row(table_name: str, row: dict[str, Any]) -> list[str]:
    """What is wrong with a row of a contract transaction table (empty when it keeps every rule): its
    type problems, else the reasons of the contract's rules it breaks on its own (no context rows)."""
    return type_problems(table_name, row) or [b.reason for b in check(table_name, [row])]


# --- writing ---------------------------------------------------------------------------------------------


def _to_json(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


def _from_json(t: Table, payload: dict[str, Any]) -> dict[str, Any]:
    row = {}
    for c in t.columns:
        v = payload[c.name]
        if v is not None:
            if c.type == "timestamp":
                v = dt.datetime.fromisoformat(v)
            elif c.type == "date":
                v = dt.date.fromisoformat(v)
            elif c.type == "float64":
                v = float(v)
        row[c.name] = v
    return row


def check_row(
    session: Session, table_name: str, row: dict[str, Any], *, body_fields: Collection[str] = ()
) -> None:
    """Check one contract row (all columns but event_id) as `emit` does before writing it: ValueError
    when it is not a contract row at all (a bug), RuleBroken when it breaks a contract rule with its
    context from the store. For a refusal found by the store's state (a second discharge) to answer with
    the rule it breaks, without writing anything."""
    checked = {"event_id": event_id(0), **row}  # the real id is drawn with the seq, in emit
    problems = type_problems(table_name, checked)
    if problems:
        raise ValueError("outbox row breaks the contract: " + "; ".join(problems))
    enforce(session, table_name, checked, today=moscow_now().date(), body_fields=body_fields)


def emit(session: Session, table_name: str, row: dict[str, Any], *, body_fields: Collection[str] = ()) -> int:
    """Write one contract row (all columns but event_id) to the outbox in the session's transaction.

    Call it after the business rows of the transaction are written (it takes the outbox lock, held to
    commit). Returns the event id. The row is checked first against every rule the contract declares for
    it, with its context from the store: RuleBroken (`services.api.rules`) when it breaks one, naming a
    column of `body_fields` as a field of the request's body; ValueError for a row that is not a contract
    row at all (a bug).
    """
    session.flush()  # the business rows first: no row lock may be awaited while holding the outbox lock
    now = moscow_now()
    check_row(session, table_name, row, body_fields=body_fields)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        payload = _payload(table_name, 1, row)  # checked with a stand-in event id; the real one is set in SQL
        del payload["event_id"]
        params = {
            "k": OUTBOX_LOCK_KEY,
            "base": API_ID_BASE,
            "t": table_name,
            "p": json.dumps(payload),
            "now": now,
        }
        return event_id(conn.execute(INSERT_LOCKED, params).scalar_one())
    # SQLite: the transaction already holds the database's write lock; the seq comes from AUTOINCREMENT.
    seq = conn.execute(
        INSERT_RETURNING_SEQ, {"table_name": table_name, "payload": {}, "created_at": now}
    ).scalar_one()
    conn.execute(SET_PAYLOAD, {"s": seq, "payload": _payload(table_name, seq, row)})
    return event_id(seq)


def _payload(table_name: str, seq: int, row: dict[str, Any]) -> dict[str, Any]:
    full = {"event_id": event_id(seq), **row}
    return {c: _to_json(full[c]) for c in contract_table(table_name).column_names}


# --- reading ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return create_engine(url)


def _engine(engine_or_url: Engine | str) -> Engine:
    return _engine_for(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url


def read_outbox(engine_or_url: Engine | str, after_seq: int, limit: int) -> list[OutboxRow]:
    """Outbox rows with seq > after_seq, in seq order, at most `limit` of them.

    Resume from the last seq you stored; an empty list means you are up to date.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    stmt = (
        select(OutboxEntry.seq, OutboxEntry.table_name, OutboxEntry.payload)
        .where(OutboxEntry.seq > after_seq)
        .order_by(OutboxEntry.seq)
        .limit(limit)
    )
    with _engine(engine_or_url).connect() as conn:
        rows = conn.execute(stmt).all()
    return [OutboxRow(seq, name, _from_json(contract_table(name), payload)) for seq, name, payload in rows]


def outbox_high_water(engine_or_url: Engine | str) -> int:
    """The highest committed seq (0 when the outbox is empty): read up to here to be up to date."""
    with _engine(engine_or_url).connect() as conn:
        return conn.execute(select(func.coalesce(func.max(OutboxEntry.seq), 0))).scalar_one()
