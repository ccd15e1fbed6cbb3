"""Where the file producer puts the export: the landing folder layout both sides agree on.

<landing>/<table>/date=YYYY-MM-DD/<part>.parquet   transactions, one folder per day
<landing>/<table>/<part>.parquet                   reference snapshots (the latest wins)
<landing>/_city.json                               what city (seed, scale) the folder holds; a simulated
                                                   city also names its first full day (`first_full_day`):
                                                   the days before it hold only its forward book
                                                   (`forward_book_from`, `forward_book_tables`)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

CITY_MANIFEST = "_city.json"


def transaction_dir(landing: Path, table: str, day: dt.date) -> Path:
    return Path(landing) / table / f"date={day.isoformat()}"


def reference_dir(landing: Path, table: str) -> Path:
    return Path(landing) / table


def landed_days(landing: Path, table: str) -> list[dt.date]:
    """Days for which a transaction table has a landing folder, oldest first."""
    root = Path(landing) / table
    if not root.is_dir():
        return []
    days = []
    for p in root.glob("date=*"):
        try:
            days.append(dt.date.fromisoformat(p.name.removeprefix("date=")))
        except ValueError:
            continue  # a stray folder is not a partition
    return sorted(days)
