"""The production calendar in the warehouse: the asset's table, dim_dates and the working-day counts on it,
on DuckDB and PostgreSQL; a changed calendar starts the dbt step (warehouse/watermarks.py).

The reference values are the `holidays` package's calendar for Russia (decree No. 1335 of 10 August 2023 for
2024: Saturday 28 December 2024 a working day; the Labour Code's 12 June for 2028).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.integration.marts.conftest import run_dbt
from warehouse.calendar import refresh_production_calendar
from warehouse.targets import target_for
from warehouse.watermarks import model_window

# (booked, slot, working days from one to the other as dim_dates counts them)
COUNTS = [
    ("2024-12-27", "2024-12-28", 1),  # Friday to the working Saturday
    ("2024-12-27", "2025-01-09", 2),  # over the Saturday, then 30 December to 8 January off
    ("2024-12-20", "2024-12-30", 6),  # the 23rd-27th and the 28th: the 30th is a day off
    ("2028-06-09", "2028-06-13", 1),  # Friday to Tuesday: Monday 12 June 2028 is Russia Day
    ("2028-05-31", "2028-06-30", 21),  # June 2028
]


def _counts(execute) -> list[int]:
    return [
        execute(
            "select s.working_day_number - b.working_day_number from marts.dim_dates as b "
            "inner join marts.dim_dates as s on s.date_day = cast(? as date) "
            "where b.date_day = cast(? as date)",
            [slot, booked],
        )[0][0]
        for booked, slot, _ in COUNTS
    ]


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_dim_dates_counts_working_days_on_the_production_calendar(backend, tmp_path, request):
    if backend == "duckdb":
        path = tmp_path / "calendar.duckdb"
        con, where = duckdb.connect(str(path)), {"duckdb_path": path}
    else:
        import psycopg

        request.getfixturevalue("postgres_env")
        database = request.getfixturevalue("postgres_database")
        con, where = psycopg.connect(dbname=database, autocommit=True), {"postgres_database": database}
    try:
        target = target_for(con)
        target.ensure_raw_schema()
        assert refresh_production_calendar(target, (2024, 2028)) == (366 + 365 * 3 + 366, True)
        assert refresh_production_calendar(target, (2024, 2028))[1] is False  # unchanged: not written again
        window = model_window(target, ["marts/dim_dates"])
        assert window.references_changed  # the calendar's load starts the dbt step
    finally:
        con.close()

    built = run_dbt(["run", "--select", "stg_calendar__production_calendar dim_dates"], **where)
    assert built.returncode == 0, built.stdout[-3000:]

    if backend == "duckdb":
        con = duckdb.connect(str(path))
    else:
        con = psycopg.connect(dbname=database, autocommit=True)
    try:
        target = target_for(con)
        assert _counts(target.execute) == [expected for *_, expected in COUNTS]
        (first, last, days, kinds) = target.execute(
            "select min(date_day), max(date_day), count(*), count(distinct day_kind) from marts.dim_dates"
        )[0]
        assert (first, last, days, kinds) == (dt.date(2024, 1, 1), dt.date(2028, 12, 31), 1827, 3)
        ((saturday,),) = target.execute(
            "select is_working_day from marts.dim_dates where date_day = cast('2024-12-28' as date)"
        )
        assert saturday is True
    finally:
        con.close()
