"""The data-quality marts per check on both targets: rows planted in landing files over two ISO weeks go
through the real ingest into raw.raw_quarantine, then dbt builds mart_quality_checks and
mart_quality_check_examples; the counts per (table, column, rule) this week, the week before and in all
are those planted, and no example shows a patient identifier."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from services.contract import arrow_schema, table
from services.contract.landing import transaction_dir
from tests.integration.marts.conftest import run_dbt
from warehouse.ingest import load_days, target_for

LAST_WEEK = dt.date(2025, 1, 8)  # Wednesday of the week of Monday 2025-01-06
MONDAY = dt.date(2025, 1, 13)
TUESDAY, WEDNESDAY = dt.date(2025, 1, 14), dt.date(2025, 1, 15)  # the latest loaded week
PATIENT = "0123456789abcdef"


def _slot(event_id: int, day: dt.date, duration: int = 15, facility: int = 1, at_day: dt.date | None = None):
    at = dt.datetime.combine(at_day or day, dt.time(9, 30))
    return dict(
        event_id=event_id, occurred_at=at, slot_id=event_id, doctor_id=1, facility_id=facility,
        specialty_id="therapist", starts_at=at, duration_min=duration, is_urgent_reserve=False,
    )  # fmt: skip


def _booking(event_id: int, day: dt.date, slot_id: int, patient: str = PATIENT):
    return dict(
        event_id=event_id, occurred_at=dt.datetime.combine(day, dt.time(10, 0)), appointment_id=event_id,
        slot_id=slot_id, patient_id=patient, channel="portal", referral_id=None,
    )  # fmt: skip


PLANTED = {
    "slot_published": {
        LAST_WEEK: [_slot(1, LAST_WEEK), _slot(2, LAST_WEEK, duration=0), _slot(3, LAST_WEEK, duration=500)],
        TUESDAY: [
            _slot(10, TUESDAY), _slot(11, TUESDAY, duration=0), _slot(12, TUESDAY, duration=0),
            _slot(10, TUESDAY),  # its event id again
        ],
        WEDNESDAY: [
            _slot(20, WEDNESDAY, duration=0, facility=0),  # two rules broken by one row
            _slot(21, WEDNESDAY, at_day=dt.date(2025, 1, 16)),  # on the wrong partition
        ],
    },
    "appointment_booked": {
        WEDNESDAY: [
            _booking(30, WEDNESDAY, slot_id=10),
            _booking(31, WEDNESDAY, slot_id=10, patient="Ivanov"),  # a name where a pseudonym belongs
            _booking(32, WEDNESDAY, slot_id=999),  # no such slot
        ],
    },
}  # fmt: skip

# (table, column, rule) -> rows this week, the week before, in all, partitions
EXPECTED = {
    ("slot_published", "duration_min", "plausibleValueLow"): (3, 1, 4, 3),
    ("slot_published", "duration_min", "plausibleValueHigh"): (0, 1, 1, 1),
    ("slot_published", "event_id", "isPrimaryKey"): (1, 0, 1, 1),
    ("slot_published", "facility_id", "plausibleValueLow"): (1, 0, 1, 1),
    ("slot_published", "occurred_at", "partitionDay"): (1, 0, 1, 1),
    ("appointment_booked", "patient_id", "matchesPattern"): (1, 0, 1, 1),
    ("appointment_booked", "slot_id", "isForeignKey"): (1, 0, 1, 1),
}


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def planted(request, tmp_path_factory):
    """A warehouse of the planted rows, loaded by the ingest and built by dbt (the quality marts and what
    they read), once per target: yields a function running SQL on it."""
    folder = tmp_path_factory.mktemp("planted")
    landing = folder / "landing"
    for name, days in PLANTED.items():
        for day, rows in days.items():
            place = transaction_dir(landing, name, day)
            place.mkdir(parents=True, exist_ok=True)
            pq.write_table(
                pa.Table.from_pylist(rows, schema=arrow_schema(table(name))), place / "part-0.parquet"
            )
    with _warehouse(request, folder) as (connect, where):
        target = target_for(connect())
        target.ensure_raw_schema()
        for name, days in PLANTED.items():  # slots first: bookings refer to them
            load_days(target, landing, table(name), sorted(days))
        target.con.close()  # dbt opens the DuckDB file on its own
        result = run_dbt(
            ["build", "--select", "+mart_quality_checks", "+mart_quality_check_examples"], **where
        )
        assert result.returncode == 0, result.stdout[-3000:]
        con = connect()
        yield lambda sql: con.execute(sql).fetchall()
        con.close()


@contextlib.contextmanager
def _warehouse(request, folder: Path):
    """(a function opening a connection, the run_dbt arguments naming the warehouse): a DuckDB file, or a
    database on the test PostgreSQL server dropped afterwards."""
    if request.param == "duckdb":
        path = folder / "warehouse.duckdb"
        yield (lambda: duckdb.connect(str(path))), {"duckdb_path": path}
        return
    import psycopg

    request.getfixturevalue("postgres_env")
    name = f"emias_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(dbname=os.environ.get("PGDATABASE") or "postgres", autocommit=True)
    admin.execute(f'create database "{name}"')
    try:
        yield (lambda: psycopg.connect(dbname=name, autocommit=True)), {"postgres_database": name}
    finally:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def test_each_check_counts_its_rows_this_week_the_week_before_and_in_all(planted):
    rows = planted(
        "select table_name, column_name, rule_name, rows_this_week, rows_previous_week, quarantined_rows, "
        "partitions, week_start, latest_partition_date from marts.mart_quality_checks"
    )
    got = {tuple(r[:3]): tuple(int(n) for n in r[3:7]) for r in rows}
    assert got == EXPECTED
    assert {(r[7], r[8]) for r in rows} == {(MONDAY, WEDNESDAY)}


def test_a_check_gives_its_share_of_the_rows_exported_and_its_label(planted):
    (row,) = planted(
        "select rule_label, rule_description, exported_rows_this_week, quarantined_share_this_week, "
        "exported_rows, quarantined_share, first_partition_date, last_partition_date "
        "from marts.mart_quality_checks "
        "where column_name = 'duration_min' and rule_name = 'plausibleValueLow'"
    )
    label, description, week_rows, week_share, all_rows, share, first, last = row
    assert label == "Value not below the minimum" and "plausibleValueLow" in description
    assert (int(week_rows), int(all_rows)) == (6, 9)  # 4 on Tuesday, 2 on Wednesday; 3 the week before
    assert week_share == pytest.approx(3 / 6) and share == pytest.approx(4 / 9)
    assert (first, last) == (LAST_WEEK, WEDNESDAY)


def test_the_examples_come_latest_day_first_and_hide_patient_identifiers(planted):
    examples = planted(
        "select example_number, partition_date, file_name, row_number, message "
        "from marts.mart_quality_check_examples "
        "where column_name = 'duration_min' and rule_name = 'plausibleValueLow' order by example_number"
    )
    assert [tuple(e[:4]) for e in examples] == [
        (1, WEDNESDAY, "part-0.parquet", 0),
        (2, TUESDAY, "part-0.parquet", 1),
        (3, TUESDAY, "part-0.parquet", 2),
    ]  # at most three: the one of the week before is left out
    assert {e[4] for e in examples} == {"0 is below the minimum 1"}
    (unknown,) = planted(
        "select message from marts.mart_quality_check_examples where rule_name = 'isForeignKey'"
    )
    assert unknown[0].startswith("999 is unknown")
    shown = " ".join(str(v) for r in planted("select * from marts.mart_quality_check_examples") for v in r)
    assert "Ivanov" not in shown and PATIENT not in shown
    (withheld,) = planted(
        "select message from marts.mart_quality_check_examples where column_name = 'patient_id'"
    )
    assert withheld[0].startswith("[withheld")


def test_the_checks_add_up_to_the_quarantine(planted):
    """Every reason of every quarantined row is counted by exactly one check."""
    (reasons,) = planted(
        "select sum(length(reason) - length(replace(reason, '; ', '')) + 2) / 2 from raw.raw_quarantine"
    )
    (counted,) = planted("select sum(quarantined_rows) from marts.mart_quality_checks")
    assert int(counted[0]) == int(reasons[0]) == sum(e[2] for e in EXPECTED.values())
