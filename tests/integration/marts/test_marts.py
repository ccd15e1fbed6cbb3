"""The marts on the small city: the same rows on DuckDB and PostgreSQL, a day built incrementally equals
the full build, and a corrupted raw row makes the named check fail and name the row."""

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.integration.marts.compare import MARTS, data_columns, differences, rows
from tests.integration.marts.conftest import run_dbt

DAILY_MARTS = [m for m in MARTS if not m.startswith("dim_")]


def _columns(con, mart: str) -> list[str]:
    return data_columns(lambda sql: con.execute(sql).fetchall(), mart)


def test_every_mart_is_built_and_not_empty(built_city):
    with duckdb.connect(str(built_city["data_dir"] / "warehouse.duckdb"), read_only=True) as con:
        for mart in MARTS:
            assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart
        levels = dict(
            con.execute(
                "select hierarchy_level, count(*) from marts.mart_access_weekly group by 1"
            ).fetchall()
        )
    assert set(levels) == {"facility", "head_facility", "okrug", "city"}


def test_postgres_marts_equal_duckdb_marts(built_city, built_city_postgres):
    import psycopg

    postgres_database = built_city_postgres
    problems = {}
    with (
        duckdb.connect(str(built_city["data_dir"] / "warehouse.duckdb"), read_only=True) as dcon,
        psycopg.connect(dbname=postgres_database) as pcon,
    ):
        for mart in MARTS:
            columns = _columns(dcon, mart)
            left = rows(lambda sql: dcon.execute(sql).fetchall(), mart, columns)
            right = rows(lambda sql: pcon.execute(sql).fetchall(), mart, columns)
            if diff := differences(left, right, columns):
                problems[mart] = diff
    assert problems == {}


def test_building_the_last_days_one_at_a_time_gives_the_full_build(built_city, warehouse_copy):
    """Take the last two days out of raw, build, then put each day back and build only that day."""
    full = {}
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        last = con.execute("select max(_partition_date) from raw.slot_published").fetchone()[0]
        tables = [
            r[0]
            for r in con.execute(
                "select distinct table_name from information_schema.columns "
                "where table_schema = 'raw' and column_name = '_partition_date'"
            ).fetchall()
        ]
        for mart in DAILY_MARTS:
            columns = _columns(con, mart)
            full[mart] = (columns, rows(lambda sql: con.execute(sql).fetchall(), mart, columns))
    days = [last - dt.timedelta(days=1), last]
    with duckdb.connect(str(warehouse_copy)) as con:
        for t in tables:
            con.execute(
                f"create table raw.{t}__held as select * from raw.{t} where _partition_date >= ?", [days[0]]
            )
            con.execute(f"delete from raw.{t} where _partition_date >= ?", [days[0]])
        for mart in DAILY_MARTS:
            kind = "view" if mart == "mart_facility_load_daily" else "table"
            con.execute(f"drop {kind} if exists marts.{mart}")
        con.execute("drop table if exists intermediate.int_slots_snapshotted")
    result = run_dbt(["build", "--select", "tag:daily", "--exclude", "resource_type:test"], warehouse_copy)
    assert result.returncode == 0, result.stdout[-3000:]
    for day in days:
        with duckdb.connect(str(warehouse_copy)) as con:
            for t in tables:
                con.execute(
                    f"insert into raw.{t} select * from raw.{t}__held where _partition_date = ?", [day]
                )
        window = (day.isoformat(), (day + dt.timedelta(days=1)).isoformat())
        result = run_dbt(
            ["build", "--select", "tag:daily", "--exclude", "resource_type:test"], warehouse_copy, window
        )
        assert result.returncode == 0, result.stdout[-3000:]
    problems = {}
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        for mart, (columns, expected) in full.items():
            got = rows(lambda sql: con.execute(sql).fetchall(), mart, columns)
            if diff := differences(got, expected, columns):
                problems[mart] = diff
    assert problems == {}


@pytest.mark.parametrize(
    ("check", "corrupt", "named"),
    [
        (
            "assert_no_booking_of_a_taken_slot",
            # a second booking of a slot whose booking still stands
            """insert into raw.appointment_booked
               select * replace (9000000000000000001 as event_id, 9000000000000000001 as appointment_id,
                                 occurred_at + interval 1 minute as occurred_at)
               from raw.appointment_booked
               where appointment_id = (select min(appointment_id) from marts.fct_appointments
                                       where outcome = 'attended')""",
            "appointment_id",
        ),
        (
            "assert_fct_appointments_reconcile_with_raw",
            # a booking of a slot that was never published cannot become a fact
            """insert into raw.appointment_booked
               select * replace (9000000000000000001 as event_id, 9000000000000000001 as appointment_id,
                                 424242 as slot_id)
               from raw.appointment_booked order by appointment_id limit 1""",
            "row_key",
        ),
    ],
)
def test_a_corrupted_raw_row_fails_the_named_check_and_names_the_row(warehouse_copy, check, corrupt, named):
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute(corrupt)
    result = run_dbt(["build", "--select", f"fct_appointments {check}", "--full-refresh"], warehouse_copy)
    assert (9000000000000000001,) in _failures(result, warehouse_copy, check, named)


def test_overlapping_slots_across_midnight_fail_the_named_check(warehouse_copy):
    """Two slots of one doctor, 23:50-00:20 and 00:00 the next day, put in raw past the ingest (which
    quarantines the later one): the check of the marts finds the pair although it spans midnight."""
    slot = """select * replace ({id} as event_id, {id} as slot_id, {starts} as starts_at,
                                 {minutes} as duration_min)
              from raw.slot_published where slot_id = (select min(slot_id) from raw.slot_published)"""
    midnight = "cast(cast(starts_at as date) + 1 as timestamp)"
    with duckdb.connect(str(warehouse_copy)) as con:
        for id_, starts, minutes in (
            (9000000000000000001, f"{midnight} - interval 10 minute", 30),
            (9000000000000000002, midnight, 15),
        ):
            con.execute(
                f"insert into raw.slot_published {slot.format(id=id_, starts=starts, minutes=minutes)}"
            )
    check = "assert_no_overlapping_slots_for_a_doctor"
    result = run_dbt(["build", "--select", f"fct_slots {check}", "--full-refresh"], warehouse_copy)
    failures = _failures(result, warehouse_copy, check, "slot_id, overlapping_slot_id")
    assert failures == [(9000000000000000001, 9000000000000000002)]


def _failures(result, warehouse: Path, check: str, named: str) -> list[tuple]:
    """The rows a dbt run's one failing check stored (columns `named`), after asserting it failed."""
    assert result.returncode != 0
    assert f"FAIL 1 {check}" in result.stdout or f"Failure in test {check}" in result.stdout, result.stdout[
        -3000:
    ]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select {named} from dq.{check}").fetchall()


def test_the_checks_are_dagster_asset_checks_of_the_facts():
    from pipelines.definitions import defs

    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in defs.resolve_asset_graph().asset_check_keys}
    assert "marts/fct_appointments:assert_no_booking_of_a_taken_slot" in checks
    assert "marts/fct_slots:assert_no_overlapping_slots_for_a_doctor" in checks
    assert "marts/fct_appointments:assert_fct_appointments_reconcile_with_raw" in checks


def test_a_day_run_checks_the_rows_its_window_can_change(warehouse_copy):
    """A day's run checks that day's rows (macros/test_window.sql): a clashing booking made on the day
    fails the named check on an incremental run of the day, and the generic checks read the rows the run
    wrote only."""
    with duckdb.connect(str(warehouse_copy)) as con:
        last = con.execute("select max(_partition_date) from raw.appointment_booked").fetchone()[0]
        con.execute(
            """insert into raw.appointment_booked
               select * replace (9000000000000000002 as event_id, 9000000000000000002 as appointment_id,
                                 greatest(occurred_at, cast($day as timestamp)) + interval 1 minute
                                     as occurred_at,
                                 cast($day as date) as _partition_date)
               from raw.appointment_booked
               where appointment_id = (select min(appointment_id) from marts.fct_appointments
                                       where outcome = 'attended' and slot_date = $day)""",
            {"day": last},
        )
        clash = "select count(*) from raw.appointment_booked where event_id = 9000000000000000002"
        assert con.execute(clash).fetchone()[0] == 1
    window = (last.isoformat(), (last + dt.timedelta(days=1)).isoformat())
    check = "assert_no_booking_of_a_taken_slot"
    result = run_dbt(["build", "--select", f"fct_appointments {check}"], warehouse_copy, window)
    assert result.returncode != 0 and f"Failure in test {check}" in result.stdout, result.stdout[-3000:]
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        assert (9000000000000000002,) in con.execute(f"select appointment_id from dq.{check}").fetchall()

    compiled = run_dbt(["compile", "--select", "unique_fct_slots_slot_id"], warehouse_copy, window)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    assert "where (_built_at = cast(" in compiled.stdout, compiled.stdout[-2000:]
    full = run_dbt(["compile", "--select", "unique_fct_slots_slot_id"], warehouse_copy)
    assert full.returncode == 0 and "_built_at" not in full.stdout, full.stdout[-2000:]
