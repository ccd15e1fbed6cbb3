"""What the warehouse has taken in and built: the landed days waiting to load, and the window dbt has not
built yet. The Dagster jobs keep their state here, in the warehouse itself, so that whichever run comes
next (the command line, the schedule, the sensor, a backfill from the UI) does exactly the work left.

raw.raw_landed_days     one row per landed day: the fingerprint of its files when it was last queued,
                        when it was queued and when its load finished (null: waiting to load)
raw.raw_model_builds    one row per dbt model: up to which load its last successful build covered

A day is queued by the day-partitioned asset `raw/raw_landed_days` (for a day asked for by name, always;
for "every landed day", only when its files changed since it was queued); the transaction ingest loads
every queued day; dbt builds the days loaded since the models it builds were last built (`model_window`):
a run may build a subset of the models (a backfill from the UI runs them in waves), so each model keeps
its own mark.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from services.contract import transaction_tables
from warehouse.ingest import landing_files
from warehouse.raw import RAW_SCHEMA
from warehouse.targets import LoadTarget


def _now() -> dt.datetime:
    return dt.datetime.now()


def day_span(first: dt.date, last: dt.date) -> str:
    """Days as people read them: `2025-01-06`, or `2025-01-06 .. 2025-02-02`."""
    return str(first) if first == last else f"{first} .. {last}"


def fingerprint(landing: Path, day: dt.date) -> str:
    """A digest of a day's landing files: each transaction table's file names, sizes and modification times
    (a re-export writes new files; reading every byte of a Moscow day to hash it would cost more than
    loading it). A copy that keeps both size and time (`cp -p`, `rsync -t`) of different content goes
    unseen: rebuild such a day by name. An empty day has a fingerprint too."""
    digest = hashlib.blake2b(digest_size=16)
    for table in transaction_tables():
        for f in landing_files(landing, table, day):
            st = f.stat()
            digest.update(f"{table.name}/{f.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def queue_days(
    target: LoadTarget, landing: Path, days: list[dt.date], *, only_changed: bool
) -> list[dt.date]:
    """Queue days for loading; returns those queued. With `only_changed`, a day whose files have the
    fingerprint it was last queued with (and that has loaded since) is left alone."""
    if not days:
        return []
    known = {
        day: (fp, loaded)
        for day, fp, loaded in target.execute(
            f"select partition_date, fingerprint, loaded_at is not null from {RAW_SCHEMA}.raw_landed_days "
            "where partition_date between ? and ?",
            [min(days), max(days)],
        )
    }
    queued = []
    now = _now()
    with target.transaction():
        for day in days:
            fp = fingerprint(landing, day)
            if only_changed and known.get(day) == (fp, True):
                continue
            target.execute(f"delete from {RAW_SCHEMA}.raw_landed_days where partition_date = ?", [day])
            target.execute(f"insert into {RAW_SCHEMA}.raw_landed_days values (?, ?, ?, null)", [day, fp, now])
            queued.append(day)
    return queued


@dataclass(frozen=True)
class Queue:
    """The days waiting to load (oldest first), as read at `read_at`."""

    days: list[dt.date]
    read_at: dt.datetime


def queued_days(target: LoadTarget) -> Queue:
    """Days queued and not loaded since, oldest first."""
    read_at = _now()
    rows = target.execute(
        f"select partition_date from {RAW_SCHEMA}.raw_landed_days where loaded_at is null order by 1"
    )
    return Queue([r[0] for r in rows], read_at)


def mark_loaded(target: LoadTarget, queue: Queue, days: list[dt.date]) -> None:
    """Mark these days of the queue loaded; a day queued again since the queue was read (new files) stays
    queued."""
    if days:
        target.execute(
            f"update {RAW_SCHEMA}.raw_landed_days set loaded_at = ? where loaded_at is null "
            f"and queued_at <= ? and partition_date in ({', '.join('?' * len(days))})",
            [_now(), queue.read_at, *days],
        )


@dataclass(frozen=True)
class ModelWindow:
    """What dbt has to build: the days loaded since the models were last built (`start` inclusive, `end`
    exclusive; None when no day was), whether a reference snapshot was loaded since, and the time of the
    latest load taken in (`loads_up_to`: the models' new mark once built; None when nothing was loaded)."""

    start: dt.date | None
    end: dt.date | None
    references_changed: bool
    loads_up_to: dt.datetime | None

    @property
    def anything(self) -> bool:
        return self.start is not None or self.references_changed

    def describe(self) -> str:
        if self.start is None:
            return "reference data"
        return day_span(self.start, self.end - dt.timedelta(days=1))

    def env(self) -> dict[str, str]:
        """The window as dbt reads it (dbt_project/macros/incremental.sql); empty for no window."""
        if self.start is None:  # reference data only: an empty window (macros/incremental.sql)
            return {"EMIAS_WINDOW_START": "1900-01-01", "EMIAS_WINDOW_END": "1900-01-01"}
        return {"EMIAS_WINDOW_START": self.start.isoformat(), "EMIAS_WINDOW_END": self.end.isoformat()}


def model_window(target: LoadTarget, models: list[str]) -> ModelWindow:
    """The loads (raw.raw_load_log, and the last writes of REFERENCE_WRITES) since the least recently
    built of `models` was built; every load when one of them was never built."""
    marks = dict(target.execute(f"select model, loads_up_to from {RAW_SCHEMA}.raw_model_builds"))
    since = None if any(m not in marks for m in models) else min((marks[m] for m in models), default=None)
    where, params = ("_loaded_at > ?", [since]) if since else ("true", [])
    first, last_day, refs, up_to = target.execute(
        f"select min(partition_date), max(partition_date), count(*) filter (where partition_date is null), "
        f"max(_loaded_at) from {RAW_SCHEMA}.raw_load_log where {where}",
        params,
    )[0]
    end = last_day + dt.timedelta(days=1) if last_day else None
    references_at = _references_loaded_at(target)
    if references_at is not None and (since is None or references_at > since):
        refs, up_to = True, max(references_at, up_to or references_at)
    return ModelWindow(first, end, bool(refs), up_to)


# reference tables the pipelines write whole, only when their content changed, outside raw.raw_load_log: the
# register definitions (registers/warehouse.py) and the production calendar (warehouse/calendar.py)
REFERENCE_WRITES = ("register_definitions", "production_calendar")


def _references_loaded_at(target: LoadTarget) -> dt.datetime | None:
    """When the latest of REFERENCE_WRITES was last written (a new `_loaded_at` only when its content
    changed). None before the first write of any."""
    names = ", ".join(f"'{name}'" for name in REFERENCE_WRITES)
    present = target.execute(
        "select table_name from information_schema.tables "
        f"where table_schema = '{RAW_SCHEMA}' and table_name in ({names})"
    )
    times = [target.execute(f"select max(_loaded_at) from {RAW_SCHEMA}.{name}")[0][0] for (name,) in present]
    return max((t for t in times if t is not None), default=None)


def record_model_build(target: LoadTarget, models: list[str], window: ModelWindow) -> None:
    """Remember that these models were built with everything loaded up to `window.loads_up_to`."""
    if window.loads_up_to is None or not models:
        return
    with target.transaction():
        target.execute(
            f"delete from {RAW_SCHEMA}.raw_model_builds where model in ({', '.join('?' * len(models))})",
            models,
        )
        for model in models:
            target.execute(
                f"insert into {RAW_SCHEMA}.raw_model_builds values (?, ?, ?)",
                [model, window.loads_up_to, _now()],
            )
