"""The production calendar in the warehouse, and the year-ago week of the period comparisons.

`raw.production_calendar` holds one row per day (date_day, day_kind: working / weekend / holiday,
holiday_name) of every year the data spans and the next, from Russia's production calendar
(services/contract/calendar.py: holidays, transferred days off and the decree's working Saturdays). The
Dagster asset `raw/production_calendar` writes it after each ingest, only when it changed (a new year reached
by the data, or a new release of the `holidays` package with a new decree): its `_loaded_at` then tells the
dbt step that `dim_dates`, and everything counting working days on it, must be rebuilt
(warehouse/watermarks.py).

Year-ago comparisons go ISO week for week (`year_ago`): a week is compared with the same ISO week number of
the previous ISO year, and weekdays stay aligned. ISO week 53 (of a year with 53 weeks, e.g. 2026) has no
namesake a year before: it is compared with week 52 of the previous ISO year, as the ONS compares its week 53
of weekly deaths (the last full week before the year turns).
"""

from __future__ import annotations

import datetime as dt

from services.contract.calendar import production_calendar
from services.contract.rules import quote
from warehouse.raw import RAW_SCHEMA
from warehouse.targets import LoadTarget

__all__ = ["CALENDAR_TABLE", "calendar_years", "refresh_production_calendar", "year_ago"]

CALENDAR_TABLE = "production_calendar"
# bookings are made weeks ahead of their slot: the calendar reaches a year past the data's last day
YEARS_AHEAD = 1
_COLUMNS = (
    "date_day date not null, day_kind varchar(7) not null, holiday_name varchar(200), _loaded_at timestamp"
)


def calendar_years(target: LoadTarget, today: dt.date | None = None) -> tuple[int, int]:
    """(first, last) year the calendar must cover: the years of the loaded days (raw.raw_load_log) and the
    year after the last; the current year's, and the next, before any day was loaded."""
    ((first, last),) = target.execute(
        f"select min(partition_date), max(partition_date) from {RAW_SCHEMA}.raw_load_log "
        "where partition_date is not null"
    )
    today = today or dt.date.today()
    first, last = first or today, last or today
    return first.year, last.year + YEARS_AHEAD


def refresh_production_calendar(target: LoadTarget, years: tuple[int, int]) -> tuple[int, bool]:
    """Write raw.production_calendar for the years `years` (first, last; both included) when it differs from
    the table held (or there is none). Returns the days in the calendar and whether it was written; an
    unchanged calendar leaves the table, and its `_loaded_at`, as they are."""
    days = production_calendar(*years)
    wanted = [(d.date_day, d.day_kind, d.holiday_name) for d in days]
    target.execute(f"create table if not exists {RAW_SCHEMA}.{CALENDAR_TABLE} ({_COLUMNS})")
    held = target.execute(
        f"select date_day, day_kind, holiday_name from {RAW_SCHEMA}.{CALENDAR_TABLE} order by date_day"
    )
    if [tuple(row) for row in held] == wanted:
        return len(days), False
    # the clock of the ingest's loads (raw.raw_load_log), which the dbt step compares it with
    loaded_at = dt.datetime.now()
    values = ",\n".join(
        f"(date '{day}', '{kind}', {quote(name) if name else 'null'}, timestamp '{loaded_at}')"
        for day, kind, name in wanted
    )
    # delete and insert in one transaction, not drop and create: the dbt views on the table stay, and a
    # reader never sees a part of the calendar
    with target.transaction():
        target.execute(f"delete from {RAW_SCHEMA}.{CALENDAR_TABLE}")
        target.execute(f"insert into {RAW_SCHEMA}.{CALENDAR_TABLE} values {values}")
    return len(days), True


def year_ago(day: dt.date) -> dt.date:
    """The same ISO weekday of the same ISO week number one ISO year earlier (week 53 -> week 52).

    E.g. Monday 2027-W10 (2027-03-08) -> Monday 2026-W10 (2026-03-02), though 2026 has 53 weeks and 52 weeks
    back would land in 2026-W11; Monday 2026-W53 (2026-12-28) -> Monday 2025-W52 (2025-12-22)."""
    year, week, weekday = day.isocalendar()
    return dt.date.fromisocalendar(year - 1, min(week, _weeks_in(year - 1)), weekday)


def _weeks_in(iso_year: int) -> int:
    """52 or 53: the ISO week of 28 December is the year's last."""
    return dt.date(iso_year, 12, 28).isocalendar().week
