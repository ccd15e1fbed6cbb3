"""Where the file producer puts the export: the landing folder layout both sides agree on.

$EMIAS_DATA_DIR/landing                            the landing folder (EMIAS_DATA_DIR default `data`)
<landing>/<table>/date=YYYY-MM-DD/<part>.parquet   transactions, one folder per day
<landing>/<table>/<part>.parquet                   reference snapshots (the latest wins)
<landing>/_city.json                               what city (seed, scale) the folder holds; a simulated
                                                   city also names its first full day (`first_full_day`):
                                                   the days before it hold only its forward book
                                                   (`forward_book_from`, `forward_book_tables`)

The data folder is named here because both sides must find the same one: the simulator writes into it,
the warehouse and the API read from it (and nothing in `services/` may import the warehouse's settings).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

CITY_MANIFEST = "_city.json"


def _project_root() -> Path | None:
    """The checkout this code runs from (the folder holding pyproject.toml), or None when installed."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


PROJECT_ROOT = _project_root()


def project_path(path: str | os.PathLike[str]) -> Path:
    """`path` made absolute, a relative one taken from the project's root folder.

    Not from the process's folder: a Jupyter kernel starts in `notebooks/`, Dagster and dbt in others,
    and each must find the same `./data`. Installed outside a checkout, the current folder is the root.
    """
    return ((PROJECT_ROOT or Path.cwd()) / path).resolve()


def data_dir() -> Path:
    """The data folder: $EMIAS_DATA_DIR (default `data`), relative paths taken from the project root."""
    return project_path(os.environ.get("EMIAS_DATA_DIR") or "data")


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
