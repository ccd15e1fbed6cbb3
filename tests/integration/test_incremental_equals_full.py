"""A warehouse kept up to date by day rebuilds equals one built in full from the same files (issue 12).

The small city of tests/conftest.py (its first 15 days) is built in full, then its landing files are
edited the way a re-export would change them, and each changed day is rebuilt through the orchestration's
entry point, `pipelines.build.build(target, partition=day)`:
- 15 January: a booking added, a dispensing taken back, a diabetes diagnosis added, a visit's minutes
  corrected; a facility moved to another okrug (facilities snapshot);
- the latest day from 10 to 17 January with a cancellation of a late slot: the cancellation taken back;
- 14 January: a booking taken back, a slot taken back, a walk-in visit taken back with its diagnoses,
  prescriptions and referrals, the only diagnosis behind a register entry taken back; a doctor moved to
  another facility from 9 January (doctors snapshot, valid_from/valid_to); a wait standard changed
  (specialties snapshot);
- 20 January, the last day and a Monday: emptied.
Every relation of the marts schema must then equal, row for row, a fresh warehouse built in full from the
final files (floats to 1e-9; the columns naming the run or the load left out).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.build import build
from registers.warehouse import register_table_rows
from services.contract import transaction_tables
from tests.integration.landing import (
    copy_days,
    day_rows,
    landed,
    rewrite_day,
    rewrite_snapshot,
    snapshot_rows,
)
from tests.integration.marts.compare import data_columns, differences, mart_relations, rows

LAST = dt.date(2025, 1, 20)  # a Monday: emptying it takes its TNAA snapshot away too
DAY_A, DAY_B = dt.date(2025, 1, 15), dt.date(2025, 1, 14)
MOVED_FROM = dt.date(2025, 1, 9)  # the doctor's new post starts inside the history already built
NEW_ID = 2**56 + 1  # above every id of the small city, below the API's range (docs/DESIGN.md)


def _one(landing: Path, sql: str) -> tuple:
    with landed(landing) as con:
        row = con.execute(sql).fetchone()
    assert row is not None, f"the small city has no candidate for: {sql}"
    return row


def _drop(landing: Path, table: str, day: dt.date, column: str, value) -> None:
    rows = day_rows(landing, table, day)
    kept = rows.filter(pl.col(column) != value)
    assert kept.height < rows.height, f"{table} on {day} has no row with {column} = {value}"
    rewrite_day(landing, table, day, kept)


def _add(landing: Path, table: str, day: dt.date, row: dict) -> None:
    rows = day_rows(landing, table, day)
    rewrite_day(landing, table, day, pl.concat([rows, pl.DataFrame([row], schema=rows.schema)]))


def _set(rows: pl.DataFrame, where: pl.Expr, column: str, value) -> pl.DataFrame:
    return rows.with_columns(pl.when(where).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))


def a_cancellation_taken_back(landing: Path) -> dt.date:
    """The booking stands again (its slot late enough to be open, booked once); the day is the latest of a
    few with such a cancellation (a small city has few cancellations a day)."""
    until = f"date '{LAST - dt.timedelta(days=2)}'"
    day, appointment = _one(
        landing,
        f"""select c.day, c.appointment_id from appointment_cancelled as c
            inner join appointment_booked as b on c.appointment_id = b.appointment_id
            inner join slot_published as s on b.slot_id = s.slot_id
            where c.day between date '2025-01-10' and date '2025-01-17'
              and cast(s.starts_at as date) >= {until}
              and (select count(*) from appointment_booked as o where o.slot_id = b.slot_id) = 1
            order by c.day desc, 2 limit 1""",
    )
    _drop(landing, "appointment_cancelled", day, "appointment_id", appointment)
    return day


def day_a(landing: Path) -> dt.date:
    day = f"date '{DAY_A}'"
    # a booking added, of a slot published earlier and never booked
    slot, patient = _one(
        landing,
        f"""select s.slot_id, (select min(patient_id) from patients where death_date is null)
            from slot_published as s
            where s.day < {day} and not s.is_urgent_reserve and cast(s.starts_at as date) >= date '{LAST}'
              and s.slot_id not in (select slot_id from appointment_booked)
            order by 1 limit 1""",
    )
    booked_at = dt.datetime.combine(DAY_A, dt.time(12))
    booking = dict(event_id=NEW_ID, occurred_at=booked_at, appointment_id=NEW_ID, slot_id=slot)
    _add(landing, "appointment_booked", DAY_A, booking | dict(patient_id=patient, channel="portal"))
    # a dispensing taken back: the prescription is not dispensed any more
    (dispensing,) = _one(landing, f"select min(event_id) from prescription_dispensed where day = {day}")
    _drop(landing, "prescription_dispensed", DAY_A, "event_id", dispensing)
    # a diabetes diagnosis added at a visit of a patient never diagnosed with it: an entry to the register
    encounter, patient, closed_at = _one(
        landing,
        f"""select encounter_id, patient_id, occurred_at from encounter_closed
            where day = {day} and patient_id not in
                (select patient_id from diagnosis_recorded where substr(icd10_code, 1, 2) = 'E1')
            order by 1 limit 1""",
    )
    diagnosis = dict(event_id=NEW_ID, occurred_at=closed_at, encounter_id=encounter, patient_id=patient)
    _add(landing, "diagnosis_recorded", DAY_A, diagnosis | dict(
        icd10_code="E11.9", is_primary=False, diagnosis_kind="first_time", dispensary_action=None
    ))  # fmt: skip
    # a visit's minutes corrected in place
    visits = day_rows(landing, "encounter_closed", DAY_A)
    first = pl.col("encounter_id") == visits["encounter_id"].min()
    rewrite_day(landing, "encounter_closed", DAY_A, visits.with_columns(
        pl.when(first).then(pl.col("minutes") + 7).otherwise(pl.col("minutes")).alias("minutes")
    ))  # fmt: skip
    # the busiest facility moved to another okrug
    facility, okrug = _one(
        landing,
        """select facility_id, okrug_id from facilities where facility_id =
               (select facility_id from encounter_closed group by 1 order by count(*) desc, 1 limit 1)""",
    )
    (other,) = _one(landing, f"select min(okrug_id) from okrugs where okrug_id <> '{okrug}'")
    facilities = snapshot_rows(landing, "facilities")
    moved = _set(facilities, pl.col("facility_id") == facility, "okrug_id", other)
    rewrite_snapshot(landing, "facilities", moved)
    return DAY_A


def day_b(landing: Path) -> dt.date:
    day = f"date '{DAY_B}'"
    # a booking taken back (open, of a late slot: nothing else refers to it)
    (appointment,) = _one(
        landing,
        f"""select b.appointment_id from appointment_booked as b
            inner join slot_published as s on b.slot_id = s.slot_id
            where b.day = {day} and cast(s.starts_at as date) >= date '{LAST}'
              and b.appointment_id not in (select appointment_id from appointment_cancelled)
            order by 1 desc limit 1""",
    )
    _drop(landing, "appointment_booked", DAY_B, "appointment_id", appointment)
    # a slot taken back, never booked
    (slot,) = _one(
        landing,
        f"""select slot_id from slot_published where day = {day}
              and slot_id not in (select slot_id from appointment_booked) order by 1 limit 1""",
    )
    _drop(landing, "slot_published", DAY_B, "slot_id", slot)
    # a walk-in visit taken back with what was written at it (none of it used later)
    (visit,) = _one(
        landing,
        f"""select e.encounter_id from encounter_closed as e
            where e.day = {day} and e.appointment_id is null
              and e.encounter_id in (select encounter_id from diagnosis_recorded)
              and e.encounter_id not in (select p.encounter_id from prescription_issued as p
                  inner join prescription_dispensed as d on p.prescription_id = d.prescription_id)
              and e.encounter_id not in (select r.encounter_id from referral_issued as r
                  inner join appointment_booked as b on r.referral_id = b.referral_id)
              and e.encounter_id not in (select r.encounter_id from referral_issued as r
                  inner join hospital_admitted as a on r.referral_id = a.referral_id)
            order by 1 limit 1""",
    )
    for table in ["encounter_closed", "diagnosis_recorded", "prescription_issued", "referral_issued"]:
        rows = day_rows(landing, table, DAY_B)
        rewrite_day(landing, table, DAY_B, rows.filter(pl.col("encounter_id") != visit))
    # the only diagnosis behind a register entry taken back (a register entered at any age)
    code_sets = pl.DataFrame(register_table_rows()["register_code_sets"])
    with landed(landing) as con:
        con.register("code_sets", code_sets.to_arrow())
        row = con.execute(
            f"""select min(d.event_id) from diagnosis_recorded as d
                inner join code_sets as c on substr(d.icd10_code, 1, 3) = c.icd10_category
                where c.register_code in ('diabetes', 'asthma', 'malignant_neoplasms')
                group by c.register_code, d.patient_id
                having count(*) = 1 and min(d.day) = {day}
                order by 1 limit 1"""
        ).fetchone()
    assert row is not None, "no register entry rests on one diagnosis of 14 January"
    _drop(landing, "diagnosis_recorded", DAY_B, "event_id", row[0])
    # the busiest prescriber moved to a facility of another okrug from 9 January
    doctor, facility = _one(
        landing,
        """select doctor_id, facility_id from doctors where valid_to is null and doctor_id =
               (select doctor_id from prescription_issued group by 1 order by count(*) desc, 1 limit 1)""",
    )
    (other,) = _one(
        landing,
        f"""select min(facility_id) from facilities where okrug_id <>
                (select okrug_id from facilities where facility_id = {facility})""",
    )
    doctors = snapshot_rows(landing, "doctors")
    post = (pl.col("doctor_id") == doctor) & pl.col("valid_to").is_null()
    new_post = doctors.filter(post).with_columns(
        pl.lit(other).alias("facility_id"), pl.lit(MOVED_FROM).alias("valid_from")
    )
    closed = _set(doctors, post, "valid_to", MOVED_FROM - dt.timedelta(days=1))
    rewrite_snapshot(landing, "doctors", pl.concat([closed, new_post]))
    # the neurologists' wait standard cut from 14 to 7 working days
    specialties = snapshot_rows(landing, "specialties")
    neurologists = pl.col("specialty_id") == "neurologist"
    rewrite_snapshot(landing, "specialties", _set(specialties, neurologists, "wait_standard", 7))
    return DAY_B


def last_day_emptied(landing: Path) -> dt.date:
    for table in transaction_tables():
        rewrite_day(landing, table.name, LAST, day_rows(landing, table.name, LAST).clear())
    return LAST


STEPS = [day_a, a_cancellation_taken_back, day_b, last_day_emptied]


def _fetch(con):
    """A query runner over a DuckDB or psycopg connection: SQL in, rows out."""
    return lambda sql: con.execute(sql).fetchall()


def _connect(target: str, data_dir: Path):
    """A connection to the warehouse the build wrote (PostgreSQL: the database of $PGDATABASE)."""
    if target == "postgres":
        import psycopg

        return psycopg.connect()
    return duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)


def _use(data_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster_home"))
    monkeypatch.delenv("EMIAS_DUCKDB_PATH", raising=False)


@pytest.fixture(scope="module")
def full_build_of_the_final_files(city_dir, tmp_path_factory) -> Path:
    """The city's files after every step, built in full into a fresh DuckDB warehouse (its path)."""
    data_dir = tmp_path_factory.mktemp("full")
    copy_days(city_dir / "landing", data_dir / "landing", LAST)
    for step in STEPS:
        step(data_dir / "landing")
    with pytest.MonkeyPatch.context() as mp:
        _use(data_dir, mp)
        build("duckdb")
    return data_dir / "warehouse.duckdb"


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_day_rebuilds_after_changed_files_equal_a_full_build(
    target, city_dir, tmp_path, monkeypatch, request, full_build_of_the_final_files
):
    copy_days(city_dir / "landing", tmp_path / "landing", LAST)
    _use(tmp_path, monkeypatch)
    if target == "postgres":
        monkeypatch.setenv("PGDATABASE", request.getfixturevalue("postgres_database"))
    build(target)
    for step in STEPS:
        build(target, step(tmp_path / "landing"))

    with duckdb.connect(str(full_build_of_the_final_files), read_only=True) as full:
        expected = _fetch(full)
        relations = mart_relations(expected)
        columns = {mart: data_columns(expected, mart) for mart in relations}
        wanted = {mart: rows(expected, mart, columns[mart]) for mart in relations}
    with _connect(target, tmp_path) as con:
        got = _fetch(con)
        assert mart_relations(got) == relations
        found = {mart: rows(got, mart, columns[mart]) for mart in relations}

    assert len(relations) >= 30
    problems = {m: d for m in relations if (d := differences(found[m], wanted[m], columns[m]))}
    assert problems == {}
