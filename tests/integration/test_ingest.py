"""The ingest keeps every row: good rows load, bad rows go to quarantine with a reason; re-runs replace.

Every test runs on both targets: the DuckDB file and PostgreSQL (rows checked in DuckDB, copied over).
"""

import datetime as dt
import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from services.contract import arrow_schema, table
from services.contract.landing import landed_days, reference_dir, transaction_dir
from warehouse.ingest import (
    REFERENCE_WINDOW_DAYS,
    _footer_bounds,  # the footers' statistics, tested directly
    _read_footer,
    load_days,
    load_order,
    load_outbox,
    load_snapshot,
    reconcile,
    reconcile_days,
    target_for,
)
from warehouse.raw import LOAD_LOG_DDL, RAW_SCHEMA, raw_table_ddl

DAY = dt.date(2025, 1, 6)
NEXT = DAY + dt.timedelta(days=1)
T = dt.datetime(2025, 1, 6, 9, 0)
GOOD_PATIENT = "0123456789abcdef"


def _write(landing: Path, name: str, rows: list[dict], schema=None, part="part-0", day=DAY) -> Path:
    folder = transaction_dir(landing, name, day)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{part}.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema or arrow_schema(table(name))), path)
    return path


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, T.time())


def _slot(event_id: int, slot_id: int, day: dt.date = DAY) -> dict:
    """A slot at 09:00 of its own doctor (slots of one doctor at one time would overlap)."""
    return dict(
        event_id=event_id, occurred_at=_at(day), slot_id=slot_id, doctor_id=slot_id, facility_id=1,
        specialty_id="therapist", starts_at=_at(day), duration_min=15, is_urgent_reserve=False,
    )  # fmt: skip


def _booking(event_id, appointment_id, slot_id, patient=GOOD_PATIENT, channel="portal", day=DAY) -> dict:
    return dict(
        event_id=event_id, occurred_at=_at(day), appointment_id=appointment_id, slot_id=slot_id,
        patient_id=patient, channel=channel, referral_id=None,
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


def _quarantine(target, name: str) -> dict[tuple, str]:
    """(partition day, file, row) -> reason of a table's quarantined rows."""
    rows = target.execute(
        "select partition_date, source_file, row_number, reason from raw.raw_quarantine where table_name = ?",
        [name],
    )
    return {(day, Path(file).name, row): reason for day, file, row, reason in rows}


def test_bad_rows_are_quarantined_with_reasons_and_good_rows_load(target, landing):
    (slots,) = load_days(target, landing, table("slot_published"), [DAY])
    (booked,) = load_days(target, landing, table("appointment_booked"), [DAY])
    assert (slots.landing_rows, slots.loaded_rows, slots.quarantined_rows) == (3, 2, 1)
    assert (booked.landing_rows, booked.loaded_rows, booked.quarantined_rows) == (4, 1, 3)

    reasons = {
        row: reason
        for row, reason in target.execute(
            "select row_number, reason from raw.raw_quarantine where table_name = 'appointment_booked'"
        )
    }
    assert "slot_id: isForeignKey: 99 is unknown" in reasons[1]
    assert "event_id: cdmDatatype: x5 is not a valid int64" in reasons[2]
    assert "patient_id: matchesPattern: Ivanov does not match" in reasons[2]
    assert "channel: allowedValues: pigeon is not an allowed value" in reasons[3]
    dup = target.execute("select reason from raw.raw_quarantine where table_name = 'slot_published'")
    assert dup == [("event_id: isPrimaryKey: duplicate of an earlier row",)]

    # the quarantined row is kept whole, with its file (named inside the landing folder)
    row_json, source = target.execute(
        "select row_json, source_file from raw.raw_quarantine "
        "where row_number = 2 and table_name = 'appointment_booked'"
    )[0]
    assert '"patient_id":"Ivanov"' in row_json.replace(" ", "")
    assert source == "appointment_booked/date=2025-01-06/part-0.parquet"

    rec = reconcile(target, landing, table("appointment_booked"), DAY)
    assert rec.ok and (rec.landing_rows, rec.raw_rows, rec.quarantined_rows) == (4, 1, 3)
    assert [s["row"] for s in rec.quarantine_sample] == [1, 2, 3]


def test_reloading_a_partition_replaces_it(target, landing):
    for _ in range(2):
        load_days(target, landing, table("slot_published"), [DAY])
        load_days(target, landing, table("appointment_booked"), [DAY])
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
    (result,) = load_days(target, landing, table("slot_published"), [DAY])
    assert (result.loaded_rows, result.quarantined_rows) == (0, 1)
    assert target.execute("select reason from raw.raw_quarantine") == [
        ("duration_min: cdmField: column missing from the file",)
    ]


def test_an_extra_column_quarantines_the_file_rows_and_keeps_the_column(target, tmp_path):
    landing = tmp_path / "landing"
    schema = arrow_schema(table("slot_published")).append(pa.field("ward", pa.string()))
    _write(landing, "slot_published", [_slot(1, 10) | {"ward": "3B"}], schema=schema, part="extra")
    _write(landing, "slot_published", [_slot(2, 11)], part="part-0")
    (result,) = load_days(target, landing, table("slot_published"), [DAY])
    assert (result.files, result.landing_rows, result.loaded_rows, result.quarantined_rows) == (2, 2, 1, 1)
    [(reason, row_json)] = target.execute("select reason, row_json from raw.raw_quarantine")
    assert reason == "ward: cdmField: column is not in the contract"
    assert '"ward":"3B"' in row_json.replace(" ", "")


def test_an_event_landed_in_another_days_partition_is_quarantined(target, tmp_path):
    """The contract: an event's partition is the date of its occurred_at (the facts rely on it)."""
    landing = tmp_path / "landing3"
    late = _slot(2, 11) | {"occurred_at": dt.datetime(2025, 1, 5, 23, 59)}
    _write(landing, "slot_published", [_slot(1, 10), late])
    (result,) = load_days(target, landing, table("slot_published"), [DAY])
    assert (result.loaded_rows, result.quarantined_rows) == (1, 1)
    assert target.execute("select row_number, reason from raw.raw_quarantine") == [
        (1, "occurred_at: partitionDay: 2025-01-05 23:59:00 is not on the partition's day 2025-01-06")
    ]


def test_a_range_quarantines_each_kind_of_bad_row_and_loads_the_good_ones(target, tmp_path):
    landing = tmp_path / "landing"
    d1, d2, d3 = DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)
    # the first day of the range may still point at this slot (the window's first day); the next may not
    old = DAY - dt.timedelta(days=REFERENCE_WINDOW_DAYS)
    # published long before it starts (the range's bookings of it come before its start)
    _write(landing, "slot_published", [_slot(100, 1000, old) | {"starts_at": _at(d2)}], day=old)
    _write(landing, "slot_published", [_slot(1, 10, d1), _slot(2, 11, d1) | {"starts_at": _at(d3)}], day=d1)
    # two files of one day: each in key order, but their keys overlap (event 4 is in both)
    _write(landing, "slot_published", [_slot(3, 12, d2) | {"starts_at": _at(d3)}, _slot(4, 13, d2)], day=d2)
    _write(landing, "slot_published", [_slot(4, 14, d2), _slot(5, 15, d2)], day=d2, part="part-1")
    _write(landing, "slot_published", [_slot(6, 16, d3), _slot(7, 17, d3) | {"occurred_at": _at(d2)}], day=d3)
    slots = load_days(target, landing, table("slot_published"), [old, d1, d2, d3])
    assert [(r.partition, r.loaded_rows, r.quarantined_rows) for r in slots] == [
        (old, 1, 0), (d1, 2, 0), (d2, 3, 1), (d3, 1, 1)
    ]  # fmt: skip

    _write(
        landing,
        "appointment_booked",
        [
            _booking("20", "200", "10", day=d1),
            _booking("x21", "201", "10", day=d1),
            _booking("27", "208", "1000", day=d1),
        ],
        schema=STRING_IDS,
        day=d1,
    )
    _write(
        landing,
        "appointment_booked",
        [
            _booking(22, 202, 11, day=d2),
            _booking(23, 203, 1000, day=d2),  # its slot was published before the row's window
            _booking(24, 204, 16, day=d2),  # its slot is published the next day: not earlier
            _booking(25, 205, 99, day=d2),  # no such slot
            _booking(0, 207, 13, day=d2),  # an id below the contract's minimum
        ],
        day=d2,
    )
    schema = arrow_schema(table("appointment_booked"))
    _write(
        landing,
        "appointment_booked",
        [{k: v for k, v in _booking(26, 206, 12, day=d3).items() if k != "channel"}],
        schema=schema.remove(schema.get_field_index("channel")),
        day=d3,
    )
    booked = load_days(target, landing, table("appointment_booked"), [d1, d2, d3])
    assert [(r.partition, r.landing_rows, r.loaded_rows, r.quarantined_rows) for r in booked] == [
        (d1, 3, 2, 1), (d2, 5, 1, 4), (d3, 1, 0, 1)
    ]  # fmt: skip
    assert all(r.reconciles for r in slots + booked)
    assert len({r.load_id for r in booked}) == 1  # one statement set for the range

    unknown = "is unknown (no earlier slot_published row with this slot_id)"
    assert _quarantine(target, "slot_published") == {
        (d2, "part-1.parquet", 0): "event_id: isPrimaryKey: duplicate of an earlier row",
        (
            d3,
            "part-0.parquet",
            1,
        ): "occurred_at: partitionDay: 2025-01-07 09:00:00 is not on the partition's day 2025-01-08",
    }
    assert _quarantine(target, "appointment_booked") == {
        (d1, "part-0.parquet", 1): "event_id: cdmDatatype: x21 is not a valid int64",
        (d2, "part-0.parquet", 1): f"slot_id: isForeignKey: 1000 {unknown}",
        (d2, "part-0.parquet", 2): f"slot_id: isForeignKey: 16 {unknown}",
        (d2, "part-0.parquet", 3): f"slot_id: isForeignKey: 99 {unknown}",
        (d2, "part-0.parquet", 4): "event_id: plausibleValueLow: 0 is below the minimum 1",
        (d3, "part-0.parquet", 0): "channel: cdmField: column missing from the file",
    }
    assert sorted(target.execute("select event_id from raw.appointment_booked")) == [(20,), (22,), (27,)]
    recs = reconcile_days(target, landing, table("appointment_booked"), [d1, d2, d3])
    assert [(r.raw_rows, r.quarantined_rows, r.ok) for r in recs] == [
        (2, 1, True),
        (1, 4, True),
        (0, 1, True),
    ]


def _state(target) -> dict[str, list[tuple]]:
    """Every row of the raw layer with its file's label, its quarantine, its load log and its files,
    without the load's id and time (and a file's number in its load)."""
    state = {}
    for t in load_order():
        cols = ", ".join(f"r.{c}" for c in _columns(target, t.name) if c not in ("_file", "_loaded_at"))
        state[t.name] = sorted(
            target.execute(
                f"select {cols}, f.source_file from {RAW_SCHEMA}.{t.name} as r "
                f"join {RAW_SCHEMA}.raw_load_files as f on f.file = r._file "
                "and f.table_name = ?",
                [t.name],
            ),
            key=repr,
        )
    for name in ("raw_quarantine", "raw_load_log", "raw_load_files"):
        skip = ("load_id", "file", "_load_id", "_loaded_at")
        cols = ", ".join(c for c in _columns(target, name) if c not in skip)
        state[name] = sorted(target.execute(f"select {cols} from {RAW_SCHEMA}.{name}"), key=repr)
    return state


def _columns(target, name: str) -> list[str]:
    return [
        r[0]
        for r in target.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [RAW_SCHEMA, name],
        )
    ]


@pytest.fixture
def city_with_bad_rows(city_dir, tmp_path) -> Path:
    """The small simulated city, with a bad booking and a late slot added to one of its days."""
    landing = tmp_path / "landing"
    shutil.copytree(city_dir / "landing", landing)
    day = landed_days(landing, "appointment_booked")[3]
    _write(landing, "appointment_booked", [_booking(9_000_000_001, 1, 424242, day=day)], part="late", day=day)
    _write(
        landing, "slot_published", [_slot(9_000_000_002, 1, day - dt.timedelta(days=1))], part="x", day=day
    )
    return landing


def _load_city(target, landing: Path, day_by_day: bool = False) -> None:
    for t in load_order():
        if t.kind == "reference":
            load_snapshot(target, landing, t)
        elif day_by_day:
            for day in landed_days(landing, t.name):
                load_days(target, landing, t, [day])
        else:
            results = load_days(target, landing, t, landed_days(landing, t.name))
            assert all(r.reconciles for r in results), t.name


def test_a_range_load_equals_day_by_day_loads(target, city_with_bad_rows):
    _load_city(target, city_with_bad_rows)
    by_range = _state(target)
    assert by_range["appointment_booked"] and len(by_range["raw_quarantine"]) == 2
    _load_city(target, city_with_bad_rows, day_by_day=True)  # each day replaces what the range put there
    assert _state(target) == by_range


@pytest.mark.postgres
def test_postgres_holds_the_same_rows_as_duckdb(city_with_bad_rows, tmp_path, postgres_database):
    import psycopg

    states = []
    with (
        duckdb.connect(str(tmp_path / "w.duckdb")) as dcon,
        psycopg.connect(dbname=postgres_database, autocommit=True) as pcon,
    ):
        for con in (dcon, pcon):
            target = target_for(con)
            target.ensure_raw_schema()
            _load_city(target, city_with_bad_rows)
            states.append(_state(target))
    assert states[0] == states[1]


def test_rerunning_one_day_of_a_range_replaces_only_that_day(target, tmp_path):
    landing = tmp_path / "landing"
    days = [DAY + dt.timedelta(days=i) for i in range(3)]
    for i, day in enumerate(days):
        _write(
            landing,
            "slot_published",
            [_slot(10 * i + 1, 10 * i + 1, day), _slot(10 * i + 2, 10 * i + 2, day)],
            day=day,
        )
    first = load_days(target, landing, table("slot_published"), days)
    # the API's outbox adds a slot on the middle day; then that day's file loses a row and is reloaded
    load_outbox(target, [_OutboxRow(1, "slot_published", _slot(99, 99, days[1]))], source="api")
    _write(landing, "slot_published", [_slot(11, 11, days[1])], day=days[1])
    (again,) = load_days(target, landing, table("slot_published"), [days[1]])

    assert (again.partition, again.landing_rows, again.loaded_rows) == (days[1], 1, 1)
    rows = target.execute(
        "select r._partition_date, r.event_id, f.load_id from raw.slot_published as r "
        "join raw.raw_load_files as f on f.file = r._file and f.table_name = 'slot_published'"
    )
    assert sorted((d, e) for d, e, _ in rows) == [
        (days[0], 1), (days[0], 2), (days[1], 11), (days[1], 99), (days[2], 21), (days[2], 22)
    ]  # fmt: skip
    load_ids = {d: i for d, e, i in rows if e != 99}
    assert load_ids[days[0]] == load_ids[days[2]] == first[0].load_id != load_ids[days[1]] == again.load_id
    log = target.execute(
        "select partition_date, source_files, landing_rows, loaded_rows from raw.raw_load_log "
        "order by partition_date, source_files"
    )
    assert log == [(days[0], 1, 2, 2), (days[1], 0, 1, 1), (days[1], 1, 1, 1), (days[2], 1, 2, 2)]
    assert all(r.ok for r in reconcile_days(target, landing, table("slot_published"), days))


def test_an_empty_day_clears_the_day_and_logs_zero(target, tmp_path):
    landing = tmp_path / "landing"
    _write(landing, "slot_published", [_slot(1, 10)])
    load_days(target, landing, table("slot_published"), [DAY])
    shutil.rmtree(transaction_dir(landing, "slot_published", DAY))
    for _ in range(2):
        (result,) = load_days(target, landing, table("slot_published"), [DAY])
        assert (result.files, result.landing_rows, result.loaded_rows, result.quarantined_rows) == (
            0,
            0,
            0,
            0,
        )
    assert target.execute("select count(*) from raw.slot_published") == [(0,)]
    assert target.execute("select source_files, landing_rows, loaded_rows from raw.raw_load_log") == [
        (0, 0, 0)
    ]


def _okrugs(landing: Path, rows: list[tuple[str, str]]) -> None:
    folder = reference_dir(landing, "okrugs")
    folder.mkdir(parents=True, exist_ok=True)
    data = [dict(okrug_id=o, name_en=n, name_ru=n) for o, n in rows]
    pq.write_table(
        pa.Table.from_pylist(data, schema=arrow_schema(table("okrugs"))), folder / "part-0.parquet"
    )


def test_a_repeated_text_key_of_a_snapshot_is_quarantined(target, tmp_path):
    landing = tmp_path / "landing"
    _okrugs(landing, [("SAO", "Northern"), ("CAO", "Central"), ("SAO", "Northern again")])
    result = load_snapshot(target, landing, table("okrugs"))
    assert (result.loaded_rows, result.quarantined_rows) == (2, 1)
    assert target.execute("select row_number, reason from raw.raw_quarantine") == [
        (2, "okrug_id: isPrimaryKey: duplicate of an earlier row")
    ]
    assert sorted(target.execute("select okrug_id, name_en from raw.okrugs")) == [
        ("CAO", "Central"), ("SAO", "Northern")
    ]  # fmt: skip


def test_a_snapshot_is_reloaded_only_when_its_content_changed(target, tmp_path):
    landing = tmp_path / "landing"
    okrugs = table("okrugs")
    _okrugs(landing, [("CAO", "Central"), ("cao", "bad code")])
    first = load_snapshot(target, landing, okrugs)
    assert (first.reloaded, first.landing_rows, first.loaded_rows, first.quarantined_rows) == (True, 2, 1, 1)

    _okrugs(landing, [("CAO", "Central"), ("cao", "bad code")])  # written again, the same content
    same = load_snapshot(target, landing, okrugs)
    assert same == replace(first, reloaded=False)
    assert target.execute("select count(*) from raw.raw_load_log") == [(1,)]

    _okrugs(landing, [("CAO", "Central"), ("SAO", "Northern")])
    changed = load_snapshot(target, landing, okrugs)
    assert (changed.reloaded, changed.loaded_rows, changed.quarantined_rows) == (True, 2, 0)
    assert changed.load_id != first.load_id
    assert sorted(target.execute("select okrug_id from raw.okrugs")) == [("CAO",), ("SAO",)]
    assert target.execute("select count(*) from raw.raw_quarantine") == [(0,)]
    assert load_snapshot(target, landing, okrugs, force=True).reloaded
    target.execute("delete from raw.okrugs")  # emptied behind the log's back: loaded again
    assert load_snapshot(target, landing, okrugs).reloaded
    assert reconcile(target, landing, okrugs).ok


def _lineage(target, name: str) -> list[tuple]:
    """(file label, partition day, rows) of a raw table's rows, read through raw.raw_load_files."""
    return sorted(
        target.execute(
            f"select f.source_file, f.partition_date, count(*) from {RAW_SCHEMA}.{name} as r "
            f"join {RAW_SCHEMA}.raw_load_files as f on f.file = r._file "
            "and f.table_name = ? group by 1, 2",
            [name],
        )
    )


def test_every_file_a_load_read_is_listed_and_names_its_rows(target, tmp_path):
    landing = tmp_path / "landing"
    _write(landing, "slot_published", [_slot(1, 10), _slot(2, 11)])
    _write(landing, "slot_published", [_slot(3, 12)], part="part-1")
    _write(landing, "slot_published", [_slot(4, 13, NEXT)], day=NEXT)
    _write(landing, "slot_published", [], day=NEXT, part="part-1")  # read, holds no rows
    load_days(target, landing, table("slot_published"), [DAY, NEXT])
    files = target.execute(
        "select table_name, file, partition_date, source_file, landing_rows from raw.raw_load_files "
        "order by file"
    )
    assert files == [
        ("slot_published", 0, DAY, "slot_published/date=2025-01-06/part-0.parquet", 2),
        ("slot_published", 1, DAY, "slot_published/date=2025-01-06/part-1.parquet", 1),
        ("slot_published", 2, NEXT, "slot_published/date=2025-01-07/part-0.parquet", 1),
        ("slot_published", 3, NEXT, "slot_published/date=2025-01-07/part-1.parquet", 0),
    ]
    assert [c for c in _columns(target, "slot_published") if c.startswith("_")] == [
        "_partition_date", "_file", "_loaded_at"
    ]  # fmt: skip
    load_days(target, landing, table("slot_published"), [NEXT])  # a reload replaces that day's files only
    assert _lineage(target, "slot_published") == [
        ("slot_published/date=2025-01-06/part-0.parquet", DAY, 2),
        ("slot_published/date=2025-01-06/part-1.parquet", DAY, 1),
        ("slot_published/date=2025-01-07/part-0.parquet", NEXT, 1),
    ]
    assert target.execute("select count(*) from raw.raw_load_files") == [(4,)]
    load_days(target, landing, table("slot_published"), [DAY])  # numbered after the table's highest
    assert target.execute("select file from raw.raw_load_files order by file") == [(2,), (3,), (4,), (5,)]
    assert len(_lineage(target, "slot_published")) == 3


def test_a_warehouse_from_before_the_files_table_is_migrated(target, tmp_path):
    """Raw tables that carried a label and a load id per row (`_source_file`, `_load_id`) get a file
    number (`_file`, one per file of the table) and the files table; landing files and outbox batches
    keep their labels and loads, and a reload still spares the outbox."""
    landing = tmp_path / "landing"
    _write(landing, "slot_published", [_slot(1, 10)])
    for name in ["slot_published", "raw_load_files"]:
        target.execute(f"drop table {RAW_SCHEMA}.{name}")
    target.execute(
        raw_table_ddl(table("slot_published"), target.dialect).replace(
            "_file integer not null", "_source_file varchar not null,\n    _load_id varchar not null"
        )
    )
    old = [
        (1, 10, DAY, "slot_published/date=2025-01-06/part-0.parquet", "a"),
        (2, 11, DAY, "slot_published/date=2025-01-06/part-0.parquet", "a"),
        (3, 12, NEXT, "slot_published/date=2025-01-07/part-0.parquet", "a"),
        (4, 13, DAY, "outbox:api:seq 7-9", "b"),
        (5, 14, NEXT, "outbox:api:seq 7-9", "b"),
    ]
    for event_id, slot_id, day, label, load_id in old:
        row = _slot(event_id, slot_id, day)
        cols = [*row, "_partition_date", "_source_file", "_load_id", "_loaded_at"]
        marks = ", ".join("?" * len(cols))
        target.execute(
            f"insert into {RAW_SCHEMA}.slot_published ({', '.join(cols)}) values ({marks})",
            [*row.values(), day, label, load_id, T],
        )
    # a view like dbt's staging (`select *`): PostgreSQL binds it to the label column, DuckDB does not
    target.execute(
        f"create view {RAW_SCHEMA}.staged as with s as (select * from {RAW_SCHEMA}.slot_published) "
        "select event_id from s"
    )
    target.ensure_raw_schema()
    target.ensure_raw_schema()  # idempotent
    assert not {"_source_file", "_load_id"} & set(_columns(target, "slot_published"))
    assert target.execute(
        "select file, load_id, partition_date, source_file from raw.raw_load_files order by file"
    ) == [
        (-2, "b", NEXT, "outbox:api:seq 7-9"),
        (-1, "b", DAY, "outbox:api:seq 7-9"),
        (0, "a", DAY, "slot_published/date=2025-01-06/part-0.parquet"),
        (1, "a", NEXT, "slot_published/date=2025-01-07/part-0.parquet"),
    ]
    assert _lineage(target, "slot_published") == [
        ("outbox:api:seq 7-9", DAY, 1),
        ("outbox:api:seq 7-9", NEXT, 1),
        ("slot_published/date=2025-01-06/part-0.parquet", DAY, 2),
        ("slot_published/date=2025-01-07/part-0.parquet", NEXT, 1),
    ]
    load_days(target, landing, table("slot_published"), [DAY, NEXT])  # the outbox's rows stay
    assert _lineage(target, "slot_published") == [
        ("outbox:api:seq 7-9", DAY, 1),
        ("outbox:api:seq 7-9", NEXT, 1),
        ("slot_published/date=2025-01-06/part-0.parquet", DAY, 1),
    ]


def test_a_warehouse_from_before_the_content_hash_gets_the_column(target):
    target.execute(f"drop table {RAW_SCHEMA}.raw_load_log")
    old_ddl = LOAD_LOG_DDL.replace(",\n    content_hash varchar", "")
    assert "content_hash" not in old_ddl
    target.execute(old_ddl)
    target.execute(
        f"insert into {RAW_SCHEMA}.raw_load_log values ('okrugs', null, 1, 12, 12, 0, 'old', ?)", [T]
    )
    target.ensure_raw_schema()
    target.ensure_raw_schema()  # idempotent
    assert "content_hash" in _columns(target, "raw_load_log")
    assert target.execute("select table_name, content_hash from raw.raw_load_log") == [("okrugs", None)]


@dataclass(frozen=True)
class _OutboxRow:
    seq: int
    table_name: str
    row: dict


def test_outbox_rows_are_checked_by_the_same_rules_and_stay_when_files_reload(target, tmp_path):
    landing = tmp_path / "landing"
    _write(landing, "slot_published", [_slot(1, 10)])
    load_days(target, landing, table("slot_published"), [DAY])
    batch = [
        _OutboxRow(7, "slot_published", _slot(2**62 + 7, 20)),
        _OutboxRow(8, "appointment_booked", _booking(2**62 + 8, 30, 20)),  # its slot came in this batch
        _OutboxRow(9, "appointment_booked", _booking(2**62 + 9, 31, 10, channel="pigeon")),
    ]
    result = load_outbox(target, batch, source="api")
    assert (result.rows, result.loaded_rows, result.quarantined_rows, result.last_seq) == (3, 2, 1, 9)
    assert target.execute("select source_file, row_number, reason from raw.raw_quarantine") == [
        ("outbox:api:seq 7-9", 1, "channel: allowedValues: pigeon is not an allowed value")
    ]
    load_days(target, landing, table("slot_published"), [DAY])  # reloading the files leaves them be
    load_days(target, landing, table("appointment_booked"), [DAY])
    assert _lineage(target, "slot_published") == [
        ("outbox:api:seq 7-9", DAY, 1), ("slot_published/date=2025-01-06/part-0.parquet", DAY, 1)
    ]  # fmt: skip
    assert target.execute("select count(*) from raw.appointment_booked") == [(1,)]
    assert target.execute("select count(*) from raw.raw_quarantine") == [(1,)]
    rec = reconcile(target, landing, table("appointment_booked"), DAY)  # counts the files' rows only
    assert (rec.landing_rows, rec.raw_rows, rec.quarantined_rows) == (0, 0, 0)


# ------------------------------------------------------------------- plausibility of people (issue 13)

BORN_JUNE = "a000000000000001"  # born 2025-06
DIED_OCTOBER = "a000000000000002"  # died 2024-10-01
DIED_NOVEMBER = "a000000000000003"  # died 2024-11-20: DAY is within the 60 days' grace
DEATH_BEFORE_BIRTH = "a000000000000004"
BORN_2031 = "a000000000000005"


def _patient(patient_id: str, birth: dt.date, death: dt.date | None = None) -> dict:
    return dict(
        patient_id=patient_id, sex="F", birth_month=birth, district_id=1, attached_facility_id=1,
        insurance="OMS", death_date=death,
    )  # fmt: skip


def _patients(landing: Path) -> None:
    rows = [
        _patient(BORN_JUNE, dt.date(2025, 6, 1)),
        _patient(DIED_OCTOBER, dt.date(1950, 3, 1), dt.date(2024, 10, 1)),
        _patient(DIED_NOVEMBER, dt.date(1950, 3, 1), dt.date(2024, 11, 20)),
        _patient(DEATH_BEFORE_BIRTH, dt.date(1980, 5, 1), dt.date(1979, 1, 1)),
        _patient(BORN_2031, dt.date(2031, 1, 1)),
    ]
    # residents whose lives cover the loads: the load never fetches them (`could_break`), all load
    rows += [_patient(f"b{i:015x}", dt.date(1990, 1, 1)) for i in range(40)]
    folder = reference_dir(landing, "patients")
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=arrow_schema(table("patients"))), folder / "part-0.parquet"
    )


def _diagnosis(event_id: int, patient: str, day: dt.date, code: str = "E11.9") -> dict:
    return dict(
        event_id=event_id, occurred_at=_at(day), encounter_id=event_id, patient_id=patient, icd10_code=code,
        is_primary=True, diagnosis_kind="first_time", dispensary_action=None,
    )  # fmt: skip


def _prescription(event_id: int, patient: str, day: dt.date) -> dict:
    return dict(
        event_id=event_id, occurred_at=_at(day), prescription_id=event_id, encounter_id=event_id,
        patient_id=patient, doctor_id=1, atc_code="A10BA02", quantity=1, days_supply=30,
        benefit_category="none",
    )  # fmt: skip


def test_a_patient_who_dies_before_birth_or_is_born_in_the_future_is_quarantined(target, tmp_path):
    landing = tmp_path / "landing"
    _patients(landing)
    result = load_snapshot(target, landing, table("patients"))
    assert (result.landing_rows, result.loaded_rows, result.quarantined_rows) == (45, 43, 2)
    assert reconcile(target, landing, table("patients")).ok
    reasons = {row: reason for (_, _, row), reason in _quarantine(target, "patients").items()}
    assert reasons[3] == "death_date: plausibleAfterBirth: 1979-01-01 is before birth_month 1980-05-01"
    assert (
        reasons[4] == f"birth_month: plausibleValueHigh: 2031-01-01 is after the load date {dt.date.today()}"
    )
    assert target.execute(
        "select count(*) from raw.patients where patient_id in (?, ?)", [DEATH_BEFORE_BIRTH, BORN_2031]
    ) == [(0,)]


def test_events_outside_the_patients_life_are_quarantined_with_the_rule(target, tmp_path):
    landing = tmp_path / "landing"
    _patients(landing)
    load_snapshot(target, landing, table("patients"))
    later = dt.date(2025, 1, 20)
    _write(
        landing,
        "diagnosis_recorded",
        [
            _diagnosis(1, DIED_OCTOBER, DAY),  # a first-time E11.9 three months after death
            _diagnosis(2, DIED_NOVEMBER, DAY),  # 47 days after death: within DQD's grace period
            _diagnosis(3, "b000000000000001", DAY),
            _diagnosis(4, "ffffffffffffffff", DAY),  # not in the snapshot: not this rule's to judge
        ],
    )
    _write(
        landing,
        "diagnosis_recorded",
        [_diagnosis(5, BORN_JUNE, later, "J06.9"), _diagnosis(6, "b000000000000002", later)],
        day=later,
    )
    _write(
        landing,
        "prescription_issued",
        [_prescription(7, DIED_OCTOBER, DAY), _prescription(8, "b000000000000003", DAY)],
    )
    diagnoses = load_days(target, landing, table("diagnosis_recorded"), [DAY, later])
    (prescriptions,) = load_days(target, landing, table("prescription_issued"), [DAY])

    assert [(r.partition, r.landing_rows, r.loaded_rows, r.quarantined_rows) for r in diagnoses] == [
        (DAY, 4, 3, 1), (later, 2, 1, 1)
    ]  # fmt: skip
    assert (prescriptions.landing_rows, prescriptions.loaded_rows, prescriptions.quarantined_rows) == (
        2,
        1,
        1,
    )
    assert all(r.reconciles for r in [*diagnoses, prescriptions])
    assert all(r.ok for r in reconcile_days(target, landing, table("diagnosis_recorded"), [DAY, later]))
    after_death = (
        "occurred_at: plausibleBeforeDeath: 2025-01-06 is more than 60 days after patients.death_date"
    )
    assert _quarantine(target, "diagnosis_recorded") == {
        (DAY, "part-0.parquet", 0): f"{after_death} 2024-10-01",
        (later, "part-0.parquet", 0): (
            "occurred_at: plausibleAfterBirth: 2025-01-20 is before patients.birth_month 2025-06-01"
        ),
    }
    assert _quarantine(target, "prescription_issued") == {
        (DAY, "part-0.parquet", 0): f"{after_death} 2024-10-01"
    }
    assert sorted(target.execute("select event_id from raw.diagnosis_recorded")) == [(2,), (3,), (4,), (6,)]


@pytest.mark.parametrize("statistics", [True, False])
def test_the_look_up_takes_the_dates_from_the_footers_or_else_from_the_rows(target, tmp_path, statistics):
    """The patients a load looks up are chosen by the first and last dates of its rows: read from the
    Parquet footers' statistics, or from the rows when a file has none. The faults are caught either way."""
    landing = tmp_path / "landing"
    _patients(landing)
    load_snapshot(target, landing, table("patients"))
    later = dt.date(2025, 1, 20)
    diagnoses = table("diagnosis_recorded")
    paths = []
    for day, rows in [
        (DAY, [_diagnosis(1, DIED_OCTOBER, DAY), _diagnosis(3, "b000000000000001", DAY)]),
        (later, [_diagnosis(5, BORN_JUNE, later, "J06.9")]),
        (later + dt.timedelta(days=1), []),  # an empty file: a row group without statistics
    ]:
        folder = transaction_dir(landing, diagnoses.name, day)
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(folder / "part-0.parquet")
        table_rows = pa.Table.from_pylist(rows, schema=arrow_schema(diagnoses))
        pq.write_table(table_rows, paths[-1], write_statistics=statistics)
    footers = [_read_footer(p, None) for p in paths]
    told = (_at(DAY), _at(later)) if statistics else False
    assert _footer_bounds(footers, diagnoses.column("occurred_at")) == told

    results = load_days(target, landing, diagnoses, [DAY, later, later + dt.timedelta(days=1)])
    assert [(r.loaded_rows, r.quarantined_rows) for r in results] == [(1, 1), (0, 1), (0, 0)]
    assert sorted(target.execute("select event_id from raw.diagnosis_recorded")) == [(3,)]


def test_outbox_rows_outside_the_patients_life_are_quarantined_too(target, tmp_path):
    landing = tmp_path / "landing"
    _patients(landing)
    load_snapshot(target, landing, table("patients"))
    batch = [
        _OutboxRow(1, "diagnosis_recorded", _diagnosis(2**62 + 1, DIED_OCTOBER, DAY)),
        _OutboxRow(2, "diagnosis_recorded", _diagnosis(2**62 + 2, DIED_NOVEMBER, DAY)),
    ]
    result = load_outbox(target, batch, source="api")
    assert (result.rows, result.loaded_rows, result.quarantined_rows) == (2, 1, 1)
    ((reason,),) = target.execute(
        "select reason from raw.raw_quarantine where table_name = 'diagnosis_recorded'"
    )
    assert reason.startswith("occurred_at: plausibleBeforeDeath: ")


# ------------------------------------------------------------------- the appointment lifecycle (issue 13)

D1, D2 = DAY, DAY + dt.timedelta(days=1)


def _when(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


def _slot_at(event_id: int, slot_id: int, doctor: int, starts: dt.datetime, minutes=15, published=D1) -> dict:
    return _slot(event_id, slot_id, published) | dict(
        doctor_id=doctor, starts_at=starts, duration_min=minutes
    )


def _outcome(event_id: int, appointment_id: int, at: dt.datetime) -> dict:
    return dict(event_id=event_id, occurred_at=at, appointment_id=appointment_id)


def _cancellation(event_id: int, appointment_id: int, at: dt.datetime) -> dict:
    return _outcome(event_id, appointment_id, at) | dict(cancelled_by="patient", reason=None)


def _load_all(target, landing: Path, days: list[dt.date]) -> dict[str, list]:
    """Every transaction table's days, in load order; the LoadResults by table."""
    return {t.name: load_days(target, landing, t, days) for t in load_order() if t.kind == "transaction"}


def _reasons(target, name: str) -> dict[int, str]:
    """event id -> reason of a table's quarantined rows."""
    rows = target.execute("select row_json, reason from raw.raw_quarantine where table_name = ?", [name])
    return {int(json.loads(row)["event_id"]): reason for row, reason in rows}


def _lifecycle_landing(landing: Path) -> None:
    """A day of slots, bookings and outcomes with each lifecycle fault planted once (event ids 9xx)."""
    _write(
        landing,
        "slot_published",
        [
            _slot_at(1, 1, 1, _when(D2, 9)),  # appointment 101's slot: the day after
            _slot_at(2, 2, 1, _when(D1, 9)),  # 102, 104, 105
            _slot_at(3, 3, 2, _when(D1, 9)),  # 103
            _slot_at(4, 4, 3, _when(D1, 8)),  # booked at 09:00 by 901: after it started
            _slot_at(5, 5, 7, _when(D1, 23, 50), minutes=30),  # 23:50-00:20
            _slot_at(906, 6, 7, _when(D2, 0)),  # the same doctor at 00:00: overlaps across midnight
            _slot_at(7, 7, 7, _when(D2, 0, 20)),  # back to back with 5: no overlap
            _slot_at(8, 8, 8, _when(D1, 12), minutes=30),
            _slot_at(907, 9, 8, _when(D1, 12, 15)),  # inside slot 8, on one day
        ],
    )
    _write(
        landing,
        "appointment_booked",
        [
            _booking(11, 101, 1) | dict(occurred_at=_when(D1, 7)),
            _booking(12, 102, 2) | dict(occurred_at=_when(D1, 7)),
            _booking(13, 103, 3) | dict(occurred_at=_when(D1, 7)),
            _booking(901, 104, 4),  # 09:00, its slot started at 08:00
            _booking(15, 105, 5) | dict(occurred_at=_when(D1, 7)),
        ],
    )
    _write(
        landing,
        "appointment_attended",
        [
            _outcome(21, 102, _when(D1, 8, 30)),  # half an hour early: within the tolerance
            _outcome(902, 103, _when(D1, 7, 30)),  # an hour and a half before its slot
            _outcome(903, 102, _when(D1, 8, 40)),  # 102's attendance replayed with a new event id
        ],
    )
    _write(
        landing,
        "appointment_no_show",
        [
            _outcome(904, 101, _when(D1, 10)),  # a no-show recorded the day before its slot
            _outcome(905, 102, _when(D1, 9, 15)),  # 102 was attended: the attendance stands
        ],
    )
    _write(
        landing,
        "appointment_cancelled",
        [
            _cancellation(908, 102, _when(D1, 11)),  # cancelled after the attendance
            _cancellation(31, 105, _when(D1, 8)),  # cancelled before its slot: fine
        ],
    )


def test_lifecycle_faults_are_quarantined_with_the_rule_and_the_rest_loads(target, tmp_path):
    landing = tmp_path / "landing"
    _lifecycle_landing(landing)
    results = _load_all(target, landing, [D1])

    assert all(r.reconciles for rs in results.values() for r in rs)
    for name in results:
        assert all(r.ok for r in reconcile_days(target, landing, table(name), [D1]))
    counts = {n: (r.landing_rows, r.loaded_rows, r.quarantined_rows) for n, (r,) in results.items()}
    assert counts["slot_published"] == (9, 7, 2)
    assert counts["appointment_booked"] == (5, 4, 1)
    assert counts["appointment_attended"] == (3, 1, 2)
    assert counts["appointment_no_show"] == (2, 0, 2)
    assert counts["appointment_cancelled"] == (2, 1, 1)

    assert _reasons(target, "appointment_attended") == {
        902: "occurred_at: outcomeAfterSlotStart: 2025-01-06 07:30:00 is more than 60 minutes before "
        "slot_published.starts_at 2025-01-06 09:00:00",
        903: "appointment_id: oneOutcomePerAppointment: 102 already has a row in appointment_attended "
        "(event 21)",
    }
    assert _reasons(target, "appointment_no_show") == {
        904: "occurred_at: outcomeAfterSlotStart: 2025-01-06 10:00:00 is more than 60 minutes before "
        "slot_published.starts_at 2025-01-07 09:00:00",
        905: "appointment_id: oneOutcomePerAppointment: 102 already has a row in appointment_attended "
        "(event 21)",
    }
    assert _reasons(target, "appointment_booked") == {
        901: "occurred_at: bookedBeforeSlotStart: 2025-01-06 09:00:00 is after slot_published.starts_at "
        "2025-01-06 08:00:00"
    }
    assert _reasons(target, "appointment_cancelled") == {
        908: "occurred_at: cancelledBeforeOutcome: 2025-01-06 11:00:00 is after "
        "appointment_attended.occurred_at 2025-01-06 08:30:00"
    }
    assert _reasons(target, "slot_published") == {
        906: "starts_at: noOverlappingSlots: 2025-01-07 00:00:00 to 2025-01-07 00:15:00 overlaps slot_id 5 "
        "(2025-01-06 23:50:00 to 2025-01-07 00:20:00) of the same doctor_id",
        907: "starts_at: noOverlappingSlots: 2025-01-06 12:15:00 to 2025-01-06 12:30:00 overlaps slot_id 8 "
        "(2025-01-06 12:00:00 to 2025-01-06 12:30:00) of the same doctor_id",
    }
    # a reload of the day gives the same result (the rows it replaces are not held against it)
    again = _load_all(target, landing, [D1])
    assert {n: (r.loaded_rows, r.quarantined_rows) for n, (r,) in again.items()} == {
        n: c[1:] for n, c in counts.items()
    }
    assert sorted(target.execute("select event_id from raw.appointment_attended")) == [(21,)]


def test_a_later_day_is_checked_against_the_rows_kept_before_it(target, tmp_path):
    """Day by day: a second outcome, an overlapping slot or a late cancellation arriving a day after the
    row it clashes with is quarantined; a range load of both days decides the same."""
    landing = tmp_path / "landing"
    _write(landing, "slot_published", [_slot_at(1, 1, 1, _when(D1, 23, 50), minutes=30)])
    _write(landing, "appointment_booked", [_booking(11, 101, 1) | dict(occurred_at=_when(D1, 7))])
    _write(landing, "appointment_attended", [_outcome(21, 101, _when(D1, 23, 49))])
    published_late = _slot_at(901, 2, 1, _when(D2, 0, 10), published=D2)
    _write(landing, "slot_published", [published_late], day=D2)
    _write(landing, "appointment_no_show", [_outcome(902, 101, _when(D2, 0, 20))], day=D2)
    _write(landing, "appointment_attended", [_outcome(903, 101, _when(D2, 9))], day=D2)
    _write(landing, "appointment_cancelled", [_cancellation(904, 101, _when(D2, 10))], day=D2)
    expected = {
        "slot_published": {901},
        "appointment_attended": {903},
        "appointment_no_show": {902},
        "appointment_cancelled": {904},
    }
    _load_all(target, landing, [D1])
    _load_all(target, landing, [D2])
    assert {n: set(_reasons(target, n)) for n in expected} == expected
    assert (
        "oneOutcomePerAppointment: 101 already has a row in appointment_attended (event 21)"
        in (_reasons(target, "appointment_no_show")[902])
    )
    _load_all(target, landing, [D1, D2])  # the range at once
    assert {n: set(_reasons(target, n)) for n in expected} == expected
    for name in expected:
        assert all(r.ok for r in reconcile_days(target, landing, table(name), [D1, D2]))


def test_outbox_rows_are_held_to_the_lifecycle_too(target, tmp_path):
    batch = [
        _OutboxRow(1, "slot_published", _slot_at(1, 1, 1, _when(D1, 9))),
        _OutboxRow(2, "slot_published", _slot_at(2, 2, 1, _when(D1, 9, 5))),  # overlaps slot 1
        _OutboxRow(3, "appointment_booked", _booking(3, 101, 1) | dict(occurred_at=_when(D1, 10))),
    ]
    result = load_outbox(target, batch, source="api")
    assert (result.rows, result.loaded_rows, result.quarantined_rows) == (3, 1, 2)
    assert [r.split(":")[1].strip() for r in _reasons(target, "slot_published").values()] == [
        "noOverlappingSlots"
    ]
    assert [r.split(":")[1].strip() for r in _reasons(target, "appointment_booked").values()] == [
        "bookedBeforeSlotStart"
    ]


# ------------------------------------------------------------------- hospital stays (issue 14)


def _referral(event_id: int, referral_id: int, at: dt.datetime) -> dict:
    return dict(
        event_id=event_id, occurred_at=at, referral_id=referral_id, encounter_id=event_id,
        patient_id=GOOD_PATIENT, to_specialty_id="surgeon",
    )  # fmt: skip


def _admission(event_id: int, stay_id: int, at: dt.datetime, referral_id: int | None = None) -> dict:
    return dict(
        event_id=event_id, occurred_at=at, stay_id=stay_id, patient_id=GOOD_PATIENT, hospital_id=1,
        department_id=1, admission_type="planned" if referral_id else "emergency",
        admission_source="referral" if referral_id else "ambulance", referral_id=referral_id,
        primary_icd10="K40.9", attached_facility_id=1,
    )  # fmt: skip


def _transfer(event_id: int, stay_id: int, at: dt.datetime) -> dict:
    return dict(event_id=event_id, occurred_at=at, stay_id=stay_id, from_department_id=1, to_department_id=2)


def _discharge(event_id: int, stay_id: int, at: dt.datetime) -> dict:
    return dict(
        event_id=event_id, occurred_at=at, stay_id=stay_id, discharge_outcome="home", primary_icd10="K40.9",
        secondary_icd10=None,
    )  # fmt: skip


def _hospital_landing(landing: Path) -> None:
    """A day of referrals and stays with each hospital rule broken once (event ids 9xx)."""
    _write(landing, "referral_issued", [_referral(1, 501, _when(D1, 10)), _referral(2, 502, _when(D1, 15))])
    _write(
        landing,
        "hospital_admitted",
        [
            _admission(11, 1001, _when(D1, 12), referral_id=501),
            _admission(901, 1002, _when(D1, 12), referral_id=502),  # admitted before its referral
            _admission(902, 1001, _when(D1, 13)),  # stay 1001 admitted again with a new event id
            _admission(13, 1003, _when(D1, 20)),  # an emergency: no referral, none checked
            _admission(909, 1004, _when(D1, 20), referral_id=599),  # a referral that was never issued
        ],
    )
    _write(
        landing,
        "patient_transferred",
        [
            _transfer(21, 1001, _when(D1, 16)),
            _transfer(903, 1003, _when(D1, 19)),  # an hour before its admission
            _transfer(904, 9999, _when(D1, 16)),  # a stay that was never admitted
        ],
    )
    _write(
        landing,
        "hospital_discharged",
        [
            _discharge(31, 1001, _when(D1, 22)),
            _discharge(905, 1001, _when(D1, 23)),  # stay 1001 discharged twice
            _discharge(906, 1003, _when(D1, 19, 30)),  # before its admission
            _discharge(907, 9998, _when(D1, 22)),  # a stay that was never admitted
        ],
    )


def test_hospital_faults_are_quarantined_with_the_rule_and_the_rest_loads(target, tmp_path):
    landing = tmp_path / "landing"
    _hospital_landing(landing)
    results = _load_all(target, landing, [D1])

    assert all(r.reconciles for rs in results.values() for r in rs)
    for name in ("referral_issued", "hospital_admitted", "patient_transferred", "hospital_discharged"):
        assert all(r.ok for r in reconcile_days(target, landing, table(name), [D1]))
    counts = {n: (r.landing_rows, r.loaded_rows, r.quarantined_rows) for n, (r,) in results.items()}
    assert counts["referral_issued"] == (2, 2, 0)
    assert counts["hospital_admitted"] == (5, 2, 3)
    assert counts["patient_transferred"] == (3, 1, 2)
    assert counts["hospital_discharged"] == (4, 1, 3)
    assert _reasons(target, "hospital_admitted") == {
        901: "occurred_at: referralBeforeAdmission: 2025-01-06 12:00:00 is before "
        "referral_issued.occurred_at 2025-01-06 15:00:00",
        902: "stay_id: oneAdmissionPerStay: 1001 already has a row in hospital_admitted (event 11)",
        909: "referral_id: isForeignKey: 599 is unknown "
        "(no earlier referral_issued row with this referral_id)",
    }
    never_admitted = "is unknown (no earlier hospital_admitted row with this stay_id)"
    assert _reasons(target, "patient_transferred") == {
        903: "occurred_at: transferredAfterAdmission: 2025-01-06 19:00:00 is before "
        "hospital_admitted.occurred_at 2025-01-06 20:00:00",
        904: f"stay_id: isForeignKey: 9999 {never_admitted}",
    }
    assert _reasons(target, "hospital_discharged") == {
        905: "stay_id: oneDischargePerStay: 1001 already has a row in hospital_discharged (event 31)",
        906: "occurred_at: dischargedAfterAdmission: 2025-01-06 19:30:00 is before "
        "hospital_admitted.occurred_at 2025-01-06 20:00:00",
        907: f"stay_id: isForeignKey: 9998 {never_admitted}",
    }
    assert sorted(target.execute("select stay_id, referral_id from raw.hospital_admitted")) == [
        (1001, 501),
        (1003, None),
    ]
    # a reload of the day gives the same result (the rows it replaces are not held against it)
    again = _load_all(target, landing, [D1])
    assert {n: (r.loaded_rows, r.quarantined_rows) for n, (r,) in again.items()} == {
        n: c[1:] for n, c in counts.items()
    }
