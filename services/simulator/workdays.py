"""Russia's production calendar for the simulated city: which days are working days, weekends or holidays.

Public holidays and the government's transfers of days off come from the `holidays` package (1–8 January,
23 February, 8 March, 1 and 9 May, 12 June, 4 November, and each year's decree: e.g. 28 December 2024 was a
working Saturday and 30–31 December 2024 were days off). A day is one of:

- WORKING: a weekday that is no holiday, or a Saturday the decree made a working day (full schedules);
- WEEKEND: an ordinary Saturday or Sunday (primary-care duty doctors 9:00–15:00);
- HOLIDAY: a public holiday or a transferred day off, whatever the weekday (duty polyclinics only: a share of
  the units open on weekend hours; nothing runs full schedules on 1–8 January).

The calendar is computed once for 1991–2100 (the package's range for Russia) and held as arrays indexed by
ordinal day, so the day generator asks it about whole arrays of days at once.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import numpy as np

WORKING, WEEKEND, HOLIDAY = 0, 1, 2
FIRST_YEAR, LAST_YEAR = 1991, 2100
_BASE = dt.date(FIRST_YEAR, 1, 1).toordinal()


@lru_cache(maxsize=1)
def _calendar() -> tuple[np.ndarray, np.ndarray]:
    """(kind of each day, working days before each day) for every day of FIRST_YEAR..LAST_YEAR."""
    ru = holidays.Russia(years=range(FIRST_YEAR, LAST_YEAR + 1))
    n = dt.date(LAST_YEAR, 12, 31).toordinal() - _BASE + 1
    weekday = (np.arange(n) + dt.date(FIRST_YEAR, 1, 1).weekday()) % 7
    kind = np.where(weekday >= 5, WEEKEND, WORKING).astype(np.int8)
    kind[[d.toordinal() - _BASE for d in ru.weekend_workdays]] = WORKING  # the decree's working Saturdays
    kind[[d.toordinal() - _BASE for d in ru]] = HOLIDAY
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


def working_day_index(ordinal: int | np.ndarray) -> np.ndarray:
    """Working days strictly before each day since 1 January 1991: a working day's own number, and for a day
    off the number of the next working day (a visit planned for a day off moves to the next working day)."""
    return _calendar()[1][_index(np.minimum(ordinal, dt.date(LAST_YEAR, 12, 31).toordinal()))]


def working_days_in(first: dt.date, last: dt.date) -> int:
    """Number of working days from first to last, both included."""
    kind = _calendar()[0][_index(first.toordinal()) : _index(last.toordinal()) + 1]
    return int((kind == WORKING).sum())
