"""The ingest keeps every row: good rows load, bad rows go to quarantine with a reason; re-runs replace."""

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from services.contract import arrow_schema, table
from services.contract.landing import transaction_dir
from warehouse.ingest import load, reconcile, target_for

DAY = dt.date(2025, 1, 6)
T = dt.datetime(2025, 1, 6, 9, 0)
GOOD_PATIENT = "0123456789abcdef"


def _write(landing: Path, name: str, rows: list[dict], schema: pa.Schema | None = None, part: str = "part-0"):
    folder = transaction_dir(landing, name, DAY)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{part}.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema or arrow_schema(table(name))), path)
    return path


def _slot(event_id: int, slot_id: int) -> dict:
    return dict(
        event_id=event_id, occurred_at=T, slot_id=slot_id, doctor_id=1, facility_id=1,
        specialty_id="therapist", starts_at=T, duration_min=15, is_urgent_reserve=False,
    )  # fmt: skip


def _booking(event_id, appointment_id, slot_id, patient=GOOD_PATIENT, channel="portal") -> dict:
    return dict(
        event_id=event_id, occurred_at=T, appointment_id=appointment_id, slot_id=slot_id, patient_id=patient,
        channel=channel, referral_id=None,
    )  # fmt: skip


# appointment ids and event ids as strings: a producer that wrote the wrong type
STRING_IDS = pa.schema(
    [
        ("event_id", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("appointment_id", pa.string()),
        ("slot_id", pa.string()),
        ("patient_id", pa.string()),
        ("channel", pa.string()),
        ("referral_id", pa.int64()),
    ]
)


@pytest.fixture
def landing(tmp_path) -> Path:
    landing = tmp_path / "landing"
    _write(landing, "slot_published", [_slot(1, 10), _slot(2, 11), _slot(2, 12)])  # event 2 twice
    _write(
        landing,
        "appointment_booked",
        [
            _booking("3", "100", "10"),
            _booking("4", "101", "99"),  # unknown slot
            _booking("x5", "102", "11", patient="Ivanov"),  # bad id, and a name where a pseudonym belongs
            _booking("6", "103", "11", channel="pigeon"),  # not a channel
        ],
        schema=STRING_IDS,
    )
    return landing


def _targets(kind: str, tmp_path: Path, postgres_database: str | None):
    if kind == "duckdb":
        return duckdb.connect(str(tmp_path / "w.duckdb"))
    import psycopg

    return psycopg.connect(dbname=postgres_database, autocommit=True)


@pytest.fixture(params=["duckdb", "postgres"])
def target(request, tmp_path):
    db = request.getfixturevalue("postgres_database") if request.param == "postgres" else None
    con = _targets(request.param, tmp_path, db)
    t = target_for(con)
    t.ensure_raw_schema()
    yield t
    con.close()


def test_bad_rows_are_quarantined_with_reasons_and_good_rows_load(target, landing):
    slots = load(target, landing, table("slot_published"), DAY)
    booked = load(target, landing, table("appointment_booked"), DAY)
    assert (slots.landing_rows, slots.loaded_rows, slots.quarantined_rows) == (3, 2, 1)
    assert (booked.landing_rows, booked.loaded_rows, booked.quarantined_rows) == (4, 1, 3)

    reasons = {
        row: reason
        for row, reason in target.execute(
            "select row_number, reason from raw.raw_quarantine where table_name = 'appointment_booked'"
        )
    }
    assert "slot_id: 99 is unknown" in reasons[1]
    assert "event_id: x5 is not a valid int64" in reasons[2]
    assert "patient_id: Ivanov does not match" in reasons[2]
    assert "channel: pigeon is not an allowed value" in reasons[3]
    dup = target.execute("select reason from raw.raw_quarantine where table_name = 'slot_published'")
    assert dup == [("event_id: duplicate of an earlier row",)]

    # the quarantined row is kept whole, with its file
    row_json, source = target.execute(
        "select row_json, source_file from raw.raw_quarantine "
        "where row_number = 2 and table_name = 'appointment_booked'"
    )[0]
    assert '"patient_id":"Ivanov"' in row_json.replace(" ", "")
    assert source.endswith("appointment_booked/date=2025-01-06/part-0.parquet")

    rec = reconcile(target, landing, table("appointment_booked"), DAY)
    assert rec.ok and (rec.landing_rows, rec.raw_rows, rec.quarantined_rows) == (4, 1, 3)
    assert [s["row"] for s in rec.quarantine_sample] == [1, 2, 3]


def test_reloading_a_partition_replaces_it(target, landing):
    for _ in range(2):
        load(target, landing, table("slot_published"), DAY)
        load(target, landing, table("appointment_booked"), DAY)
    assert target.execute("select count(*) from raw.slot_published") == [(2,)]
    assert target.execute("select count(*) from raw.appointment_booked") == [(1,)]
    assert target.execute("select count(*) from raw.raw_quarantine") == [(4,)]
    assert target.execute("select count(*) from raw.raw_load_log") == [(2,)]


def test_a_missing_column_quarantines_the_file_rows_with_the_reason(target, tmp_path):
    landing = tmp_path / "landing2"
    schema = arrow_schema(table("slot_published"))
    schema = schema.remove(schema.get_field_index("duration_min"))
    row = _slot(1, 10)
    del row["duration_min"]
    _write(landing, "slot_published", [row], schema=schema)
    result = load(target, landing, table("slot_published"), DAY)
    assert (result.loaded_rows, result.quarantined_rows) == (0, 1)
    assert target.execute("select reason from raw.raw_quarantine") == [
        ("duration_min: column missing from the file",)
    ]


def test_an_event_landed_in_another_days_partition_is_quarantined(target, tmp_path):
    """The contract: an event's partition is the date of its occurred_at (the facts rely on it)."""
    landing = tmp_path / "landing3"
    late = _slot(2, 11) | {"occurred_at": dt.datetime(2025, 1, 5, 23, 59)}
    _write(landing, "slot_published", [_slot(1, 10), late])
    result = load(target, landing, table("slot_published"), DAY)
    assert (result.loaded_rows, result.quarantined_rows) == (1, 1)
    assert target.execute("select row_number, reason from raw.raw_quarantine") == [
        (1, "occurred_at: 2025-01-05 23:59:00 is not on the partition's day 2025-01-06")
    ]
