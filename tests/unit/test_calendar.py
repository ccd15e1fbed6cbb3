"""Russia's production calendar (services/contract/calendar.py) and the year-ago week (warehouse/calendar.py).

The reference is the `holidays` package's calendar for Russia, which follows the Labour Code (art. 112) and
each year's government decree on moving days off: for 2024, decree No. 1335 of 10 August 2023 (Saturday
28 December 2024 a working day, Monday 30 and Tuesday 31 December days off). 2028 has no decree yet: its
holidays are the Labour Code's (12 June 2028, Russia Day, is a Monday).
"""

import datetime as dt

import pytest

from services.contract.calendar import production_calendar
from services.simulator import workdays
from warehouse.calendar import year_ago

D = dt.date


def working_days(first: dt.date, last: dt.date) -> int:
    days = production_calendar(first.year, last.year)
    return sum(1 for d in days if first <= d.date_day <= last and d.day_kind == "working")


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (D(2024, 12, 23), D(2024, 12, 29), 6),  # Monday-Sunday: 5 weekdays, the working Saturday
        (D(2024, 12, 1), D(2024, 12, 31), 21),  # the official December 2024: 21 working days
        (D(2024, 12, 28), D(2025, 1, 9), 2),  # 28 Dec, then 30 Dec - 8 Jan off: Thursday 9 January
        (D(2028, 6, 5), D(2028, 6, 16), 9),  # two weeks around Monday 12 June 2028, Russia Day
        (D(2028, 6, 1), D(2028, 6, 30), 21),  # June 2028: 22 weekdays, one a holiday
    ],
)
def test_working_days_follow_the_production_calendar(first, last, expected):
    assert working_days(first, last) == expected
    assert workdays.working_days_in(first, last) == expected  # the simulator counts on the same calendar


def test_each_day_has_its_kind_and_the_holidays_their_names():
    days = {d.date_day: d for d in production_calendar(2024, 2028)}
    assert len(days) == 366 + 365 * 3 + 366  # every day of the years asked, none twice
    assert days[D(2024, 12, 28)].day_kind == "working" and days[D(2024, 12, 28)].holiday_name is None
    assert days[D(2024, 12, 30)].day_kind == "holiday" and "28" in days[D(2024, 12, 30)].holiday_name
    assert days[D(2028, 6, 12)] == (D(2028, 6, 12), "holiday", "Russia Day")
    assert days[D(2028, 6, 10)].day_kind == "weekend"
    with pytest.raises(ValueError, match="from 1991"):
        production_calendar(1990, 1991)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2027, 3, 8), D(2026, 3, 2)),  # 2027-W10 Monday -> 2026-W10 Monday (52 weeks back is 2026-W11)
        (D(2027, 3, 14), D(2026, 3, 8)),  # and its Sunday
        (D(2026, 12, 28), D(2025, 12, 22)),  # 2026-W53 -> 2025-W52: no week 53 in 2025
        (D(2027, 1, 4), D(2025, 12, 29)),  # 2027-W01 -> 2026-W01, which starts in December 2025
        (D(2025, 3, 3), D(2024, 3, 4)),  # an ordinary year: 52 weeks back
    ],
)
def test_the_year_ago_day_is_the_same_iso_week_and_weekday(day, expected):
    assert year_ago(day) == expected
    assert year_ago(day).isoweekday() == day.isoweekday()


def test_the_dashboards_year_ago_period_after_a_53_week_year():
    from dashboards.filters import Filters

    weeks = Filters(start=D(2027, 3, 8), end=D(2027, 3, 14), period="Custom")
    assert weeks.last_year() == (D(2026, 3, 2), D(2026, 3, 8))
    assert [d.isocalendar()[:2] for d in weeks.last_year()] == [(2026, 10), (2026, 10)]
