"""Russia's production calendar (производственный календарь): which days are working days, weekends or
holidays. The one definition both sides use: the simulator plans its days on it, and the warehouse loads it
as `raw.production_calendar` (warehouse/calendar.py) for its working-day counts.

Public holidays and the government's transfers of days off come from the `holidays` package (Labour Code
art. 112: 1–8 January, 23 February, 8 March, 1 and 9 May, 12 June, 4 November, a holiday on a weekend moving
to the next working day, and each year's decree moving days off: e.g. decree No. 1335 of 10 August 2023 made
Saturday 28 December 2024 a working day and 30–31 December 2024 days off). A day is one of:

- WORKING: a weekday that is no holiday, or a Saturday or Sunday the decree made a working day;
- WEEKEND: an ordinary Saturday or Sunday;
- HOLIDAY: a public holiday or a transferred day off, whatever the weekday.

The package knows the decrees published before its release; a later year gets the Labour Code's fixed
holidays and its weekend rule only, until the package is updated.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import holidays
import numpy as np

WORKING, WEEKEND, HOLIDAY = 0, 1, 2
DAY_KINDS = {WORKING: "working", WEEKEND: "weekend", HOLIDAY: "holiday"}
FIRST_YEAR = 1991  # the first year of the package's calendar for Russia


class CalendarDay(NamedTuple):
    date_day: dt.date
    day_kind: str  # "working", "weekend" or "holiday" (DAY_KINDS)
    holiday_name: str | None  # the holiday, or the day a day off was transferred from; None on other days


def day_kinds(first_year: int, last_year: int) -> tuple[np.ndarray, holidays.HolidayBase]:
    """The kind (WORKING, WEEKEND, HOLIDAY as int8) of every day from 1 January `first_year` to 31 December
    `last_year`, indexed from 1 January `first_year`, and the package's holidays of those years.
    Raises ValueError for years before FIRST_YEAR or an empty range."""
    if first_year < FIRST_YEAR or last_year < first_year:
        raise ValueError(
            f"the production calendar covers years from {FIRST_YEAR}: got {first_year}-{last_year}"
        )
    ru = holidays.Russia(years=range(first_year, last_year + 1))
    base = dt.date(first_year, 1, 1).toordinal()
    n = dt.date(last_year, 12, 31).toordinal() - base + 1
    weekday = (np.arange(n) + dt.date(first_year, 1, 1).weekday()) % 7
    kind = np.where(weekday >= 5, WEEKEND, WORKING).astype(np.int8)
    kind[[d.toordinal() - base for d in ru.weekend_workdays]] = WORKING  # the decree's working Saturdays
    kind[[d.toordinal() - base for d in ru]] = HOLIDAY
    return kind, ru


def production_calendar(first_year: int, last_year: int) -> list[CalendarDay]:
    """One CalendarDay per day of the years `first_year`..`last_year` (both included), in date order."""
    kind, ru = day_kinds(first_year, last_year)
    first = dt.date(first_year, 1, 1)
    days = [first + dt.timedelta(days=i) for i in range(len(kind))]
    return [CalendarDay(d, DAY_KINDS[int(k)], ru.get(d)) for d, k in zip(days, kind, strict=True)]
