"""Russia's production calendar as the simulator asks it: whole arrays of days at once.

The calendar itself (holidays, transferred days off, the decree's working Saturdays) is
services/contract/calendar.py, the one definition the warehouse loads too. How the simulated city uses the
kinds of day:

- WORKING: full schedules;
- WEEKEND: primary-care duty doctors 9:00–15:00;
- HOLIDAY: duty polyclinics only (a share of the units open on weekend hours; nothing runs full schedules on
  1–8 January).

The calendar is computed once for 1991–2100 and held as arrays indexed by ordinal day.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

from services.contract.calendar import FIRST_YEAR, HOLIDAY, WEEKEND, WORKING, day_kinds

__all__ = [
    "HOLIDAY",
    "WEEKEND",
    "WORKING",
    "day_kind",
    "kinds_of_days",
    "working_day_index",
    "working_day_ordinal",
    "working_days_in",
]

LAST_YEAR = 2100
_BASE = dt.date(FIRST_YEAR, 1, 1).toordinal()


@lru_cache(maxsize=1)
def _calendar() -> tuple[np.ndarray, np.ndarray]:
    """(kind of each day, working days before each day) for every day of FIRST_YEAR..LAST_YEAR."""
    kind, _ = day_kinds(FIRST_YEAR, LAST_YEAR)
    before = np.concatenate([[0], np.cumsum(kind == WORKING)[:-1]]).astype(np.int64)
    return kind, before


def _index(ordinal: int | np.ndarray) -> np.ndarray:
    i = np.asarray(ordinal, dtype=np.int64) - _BASE
    if np.any((i < 0) | (i >= len(_calendar()[0]))):
        raise ValueError(f"the production calendar covers {FIRST_YEAR}-{LAST_YEAR} only")
    return i


def day_kind(ordinal: int) -> int:
    """WORKING, WEEKEND or HOLIDAY for one ordinal day."""
    return int(_calendar()[0][_index(ordinal)])


def kinds_of_days(ordinals: np.ndarray) -> np.ndarray:
    """WORKING, WEEKEND or HOLIDAY for each ordinal day of an array."""
    return _calendar()[0][_index(ordinals)]


def working_day_index(ordinal: int | np.ndarray) -> np.ndarray:
    """Working days strictly before each day since 1 January 1991: a working day's own number, and for a day
    off the number of the next working day (a visit planned for a day off moves to the next working day)."""
    return _calendar()[1][_index(np.minimum(ordinal, dt.date(LAST_YEAR, 12, 31).toordinal()))]


def working_days_in(first: dt.date, last: dt.date) -> int:
    """Number of working days from first to last, both included."""
    kind = _calendar()[0][_index(first.toordinal()) : _index(last.toordinal()) + 1]
    return int((kind == WORKING).sum())


@lru_cache(maxsize=1)
def _working_ordinals() -> np.ndarray:
    return np.flatnonzero(_calendar()[0] == WORKING).astype(np.int64) + _BASE


def working_day_ordinal(index: int | np.ndarray) -> np.ndarray:
    """The ordinal day of working day number `index` (the inverse of `working_day_index` on working days)."""
    return _working_ordinals()[np.asarray(index, dtype=np.int64)]
