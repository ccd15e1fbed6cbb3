"""The appointment lifecycle's faults (issue 13), planted in the small city's files: a full build on each
target quarantines each planted row with its rule's name instead of failing, the counts reconcile, and
every mart is exactly what the clean files build (the DNA rate and the booking bands of the planted weeks
included): the bad rows change nothing but the quarantine and the data-quality marts that count it.

Planted, one row each (ids above the city's): a no-show recorded days before its slot, of an appointment
still open; a booking made after its slot started; a cancellation after the attendance; an attendance
replayed with a new event id; a no-show of an attended appointment; a slot of a doctor inside another of
their slots. (Slots across midnight: tests/integration/test_ingest.py; the simulator makes none to overlap.)
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.build import build
from tests.integration.landing import day_rows, landed, rewrite_day
from tests.integration.marts.compare import data_columns, differences, mart_relations, rows

NEW = 2**56 + 100  # above every id of the small city, below the API's range (docs/DESIGN.md)
QUALITY_MARTS = {
    p.stem for p in (Path(__file__).parents[2] / "dbt_project/models/marts/quality").glob("*.sql")
}


def _one(con, sql: str) -> tuple:
    row = con.execute(sql).fetchone()
    assert row is not None, f"the small city has no candidate for: {sql}"
    return row


def _add(landing: Path, table: str, row: dict) -> None:
    """Append a row to the files of its day (the date of its occurred_at)."""
    day = row["occurred_at"].date()
    rows = day_rows(landing, table, day)
    new = pl.DataFrame([{c: row.get(c) for c in rows.columns}], schema=rows.schema)
    rewrite_day(landing, table, day, pl.concat([rows, new]))


OUTCOMES = "select appointment_id from appointment_attended union all select appointment_id from " + (
    "appointment_no_show union all select appointment_id from appointment_cancelled"
)


def plant(landing: Path) -> dict[tuple[str, int], str]:
    """Plant one row per lifecycle fault; (table, event id) -> the rule that must quarantine it."""
    with landed(landing) as con:
        open_ahead = _one(
            con,
            f"""select b.appointment_id, b.occurred_at from appointment_booked as b
                join slot_published as s on s.slot_id = b.slot_id
                where cast(s.starts_at as date) > b.day + 3 and hour(b.occurred_at) < 22
                  and b.appointment_id not in ({OUTCOMES})
                order by b.appointment_id limit 1""",
        )
        started = _one(
            con,
            """select slot_id, starts_at from slot_published
               where not is_urgent_reserve and hour(starts_at) < 22 and day <= cast(starts_at as date)
                 and slot_id not in (select slot_id from appointment_booked)
               order by slot_id limit 1""",
        )
        (patient,) = _one(
            con,
            """select min(patient_id) from patients
               where death_date is null and birth_month < date '2000-01-01'""",
        )
        attended = con.execute(
            """select appointment_id, occurred_at from appointment_attended
               where hour(occurred_at) < 22 and appointment_id not in
                   (select appointment_id from appointment_no_show union all
                    select appointment_id from appointment_cancelled)
               order by appointment_id limit 3"""
        ).fetchall()
        assert len(attended) == 3
        slot = _one(
            con,
            """select * from slot_published where occurred_at < day + interval 23 hour
               order by slot_id limit 1""",
        )
        slot_row = dict(zip([d[0] for d in con.description], slot, strict=True))
    later = dt.timedelta(hours=1)
    (cancelled, cancelled_at), (replayed, replayed_at), (missed, missed_at) = attended
    faults = {
        ("appointment_no_show", NEW + 1): (
            "outcomeAfterSlotStart",
            dict(event_id=NEW + 1, occurred_at=open_ahead[1] + later, appointment_id=open_ahead[0]),
        ),
        ("appointment_booked", NEW + 2): (
            "bookedBeforeSlotStart",
            dict(
                event_id=NEW + 2,
                occurred_at=started[1] + dt.timedelta(minutes=30),
                appointment_id=NEW + 2,
                slot_id=started[0],
                patient_id=patient,
                channel="portal",
                referral_id=None,
            ),  # fmt: skip
        ),
        ("appointment_cancelled", NEW + 3): (
            "cancelledBeforeOutcome",
            dict(
                event_id=NEW + 3,
                occurred_at=cancelled_at + later,
                appointment_id=cancelled,
                cancelled_by="patient",
                reason=None,
            ),  # fmt: skip
        ),
        ("appointment_attended", NEW + 4): (
            "oneOutcomePerAppointment",
            dict(event_id=NEW + 4, occurred_at=replayed_at + later, appointment_id=replayed),
        ),
        ("appointment_no_show", NEW + 5): (
            "oneOutcomePerAppointment",
            dict(event_id=NEW + 5, occurred_at=missed_at + later, appointment_id=missed),
        ),
        ("slot_published", NEW + 6): (
            "noOverlappingSlots",
            slot_row
            | dict(
                event_id=NEW + 6,
                slot_id=NEW + 6,
                occurred_at=slot_row["occurred_at"] + dt.timedelta(seconds=1),
                starts_at=slot_row["starts_at"] + dt.timedelta(minutes=5),
            ),  # fmt: skip
        ),
    }
    for (table, _), (_, row) in faults.items():
        _add(landing, table, row)
    return {key: rule for key, (rule, _) in faults.items()}


def _fetch(con):
    return lambda sql: con.execute(sql).fetchall()


@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_planted_lifecycle_faults_are_quarantined_and_the_marts_stay_right(
    target, built_city, tmp_path, monkeypatch, request
):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copytree(built_city["data_dir"] / "landing", data / "landing")
    planted = plant(data / "landing")
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster_home"))
    monkeypatch.delenv("EMIAS_DUCKDB_PATH", raising=False)
    if target == "postgres":
        monkeypatch.setenv("PGDATABASE", request.getfixturevalue("postgres_database"))
    build(target)  # raises when a step or a blocking check fails

    with duckdb.connect(str(built_city["data_dir"] / "warehouse.duckdb"), read_only=True) as clean:
        expected = _fetch(clean)
        before = expected("select table_name, row_json, reason from raw.raw_quarantine")
        relations = [m for m in mart_relations(expected) if m not in QUALITY_MARTS]
        columns = {m: data_columns(expected, m) for m in relations}
        wanted = {m: rows(expected, m, columns[m]) for m in relations}
    if target == "postgres":
        import psycopg

        con = psycopg.connect()
    else:
        con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    with con:
        got = _fetch(con)
        quarantined = got("select table_name, row_json, reason from raw.raw_quarantine")
        unreconciled = got(
            "select table_name, partition_date from raw.raw_load_log "
            "where landing_rows <> loaded_rows + quarantined_rows"
        )
        found = {m: rows(got, m, columns[m]) for m in relations}

    def by_rule(rows_) -> dict[tuple[str, int], str]:
        return {(t, int(json.loads(r)["event_id"])): why.split(": ")[1] for t, r, why in rows_}

    assert by_rule(quarantined) == by_rule(before) | planted
    assert unreconciled == []
    problems = {m: d for m in relations if (d := differences(found[m], wanted[m], columns[m]))}
    assert problems == {}
    assert {"fct_appointments", "fct_slots", "mart_access_weekly", "mart_capacity_daily"} <= set(relations)
