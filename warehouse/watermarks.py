"""What the warehouse has taken in and built: the landed days waiting to load, and the window dbt has not
built yet. The Dagster jobs keep their state here, in the warehouse itself, so that whichever run comes
next (the command line, the schedule, the sensor, a backfill from the UI) does exactly the work left.

raw.raw_landed_days     one row per landed day: the fingerprint of its files when it was last queued,
                        when it was queued and when its load finished (null: waiting to load)
raw.raw_model_builds    one row per successful dbt build: up to which load it covered, and its window

A day is queued by the day-partitioned asset `raw/raw_landed_days` (for a day asked for by name, always;
for "every landed day", only when its files changed since it was queued); the transaction ingest loads
every queued day; dbt builds the days loaded since its last build (`model_window`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.contract import transaction_tables
from services.contract.landing import transaction_dir
from warehouse.raw import RAW_SCHEMA


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def fingerprint(landing: Path, day: dt.date) -> str:
    """A digest of a day's landing files (every transaction table's names, sizes and modification times):
    a re-export of the day changes it; an untouched day keeps it. An empty day has a fingerprint too."""
    digest = hashlib.blake2b(digest_size=16)
    for table in transaction_tables():
        folder = transaction_dir(landing, table.name, day)
        for f in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
            st = f.stat()
            digest.update(f"{table.name}/{f.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def queue_days(target: Any, landing: Path, days: list[dt.date], *, only_changed: bool) -> list[dt.date]:
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


def queued_days(target: Any) -> list[dt.date]:
    """Days queued and not loaded since, oldest first."""
    rows = target.execute(
        f"select partition_date from {RAW_SCHEMA}.raw_landed_days where loaded_at is null order by 1"
    )
    return [r[0] for r in rows]


def mark_loaded(target: Any, days: list[dt.date]) -> None:
    if days:
        target.execute(
            f"update {RAW_SCHEMA}.raw_landed_days set loaded_at = ? "
            f"where loaded_at is null and partition_date in ({', '.join('?' * len(days))})",
            [_now(), *days],
        )


@dataclass(frozen=True)
class ModelWindow:
    """What dbt has to build: the days loaded since its last build (start inclusive, end exclusive; None
    when no day was), and whether a reference snapshot was loaded since."""

    start: dt.date | None
    end: dt.date | None
    references_changed: bool
    loads_up_to: dt.datetime | None

    @property
    def anything(self) -> bool:
        return self.start is not None or self.references_changed

    def env(self) -> dict[str, str]:
        """The window as dbt reads it (dbt_project/macros/incremental.sql); empty for no window."""
        if self.start is None:
            return {"EMIAS_WINDOW_START": "", "EMIAS_WINDOW_END": ""}
        return {"EMIAS_WINDOW_START": self.start.isoformat(), "EMIAS_WINDOW_END": self.end.isoformat()}


def model_window(target: Any) -> ModelWindow:
    """The loads since the last dbt build (every load, before the first), from raw.raw_load_log."""
    last = target.execute(f"select max(loads_up_to) from {RAW_SCHEMA}.raw_model_builds")[0][0]
    since, params = ("_loaded_at > ?", [last]) if last else ("true", [])
    first, last_day, refs, up_to = target.execute(
        f"select min(partition_date), max(partition_date), "
        f"count(*) filter (where partition_date is null), max(_loaded_at) "
        f"from {RAW_SCHEMA}.raw_load_log where {since}",
        params,
    )[0]
    end = last_day + dt.timedelta(days=1) if last_day else None
    return ModelWindow(first, end, bool(refs), up_to)


def record_model_build(target: Any, window: ModelWindow, *, full_refresh: bool) -> None:
    """Remember that dbt built everything loaded up to `window.loads_up_to`."""
    if window.loads_up_to is None:
        return
    target.execute(
        f"insert into {RAW_SCHEMA}.raw_model_builds values (?, ?, ?, ?, ?)",
        [window.loads_up_to, window.start, window.end, full_refresh, _now()],
    )
