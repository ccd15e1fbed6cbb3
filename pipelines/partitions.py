"""The landed days: the partitions of the day-partitioned ingest asset, following the landing folder.

A day becomes a partition when it has landed (its folders appear under the landing folder): the sensor
adds them as they arrive, and the command line and `emias ui` add every landed day before they start. So
the UI shows as missing exactly the days that landed and are not loaded, never days still to come.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from services.contract import transaction_tables
from services.contract.landing import landed_days as landed_days_of

landed_days = dg.DynamicPartitionsDefinition(name="landed_days")

# run tags: a range of partitions in one run (Dagster's own)
RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")
# run tag: queue only the days whose files changed since they were last queued (`emias build` of every
# landed day); without it, every day of the run is queued (a day asked for by name is rebuilt)
ONLY_CHANGED_TAG = "emias/only_changed"
# run tag: reload every snapshot and rebuild every model from scratch (`emias build --full-refresh`)
FULL_REFRESH_TAG = "emias/full_refresh"


def landing_days(landing: Path, *, complete: bool = False) -> list[dt.date]:
    """Days that have landed (any transaction table has the day's folder), oldest first; with `complete`,
    only the days every transaction table has reached."""
    per_table = [set(landed_days_of(landing, t.name)) for t in transaction_tables()]
    if not per_table:
        return []
    days = set.intersection(*per_table) if complete else set.union(*per_table)
    return sorted(days)


def add_landed_days(instance: dg.DagsterInstance, days: list[dt.date]) -> None:
    """Make the days partitions (those that are not yet)."""
    known = set(instance.get_dynamic_partitions(landed_days.name))
    new = [d.isoformat() for d in sorted(days) if d.isoformat() not in known]
    if new:
        instance.add_dynamic_partitions(landed_days.name, new)
