"""The simulator's run contract: same seed, same rows whatever the number of workers; continued runs equal
one run; the forward book before the first day; snapshots rewritten only when they change; clear errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from services.contract import TABLES
from services.simulator import SimulationError, parse_start, simulate
from services.simulator.city import MAX_AHEAD
from services.simulator.engine import FORWARD_BOOK_TABLES
from services.simulator.validate import check_landing, read_table

START = dt.date(2025, 3, 3)
SCALE = 0.001
BOOK_FROM = START - dt.timedelta(MAX_AHEAD)  # the forward book: the 35 days before the first day


def _files(landing: Path) -> dict[str, Path]:
    return {str(p.relative_to(landing)): p for p in sorted(landing.rglob("*.parquet"))}


def _assert_same(a: Path, b: Path) -> None:
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys()
    for rel in fa:
        ta, tb = pq.read_table(fa[rel]), pq.read_table(fb[rel])
        assert ta.equals(tb), f"{rel} differs"


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    landing = tmp_path_factory.mktemp("one") / "landing"
    counts = simulate(landing, scale=SCALE, start=START, days=12, seed=7)
    return landing, counts


def test_writes_every_table_and_keeps_the_contract(one_run):
    landing, counts = one_run
    assert set(counts) == set(TABLES)
    for name, t in TABLES.items():
        assert counts[name] > 0, name
        if t.kind == "transaction":
            days = sorted(p.name for p in (landing / name).iterdir())
            assert days == [f"date={BOOK_FROM + dt.timedelta(d)}" for d in range(MAX_AHEAD + 12)]
    assert check_landing(landing) == []
    manifest = json.loads((landing / "_city.json").read_text())
    assert manifest["seed"] == 7 and manifest["scale"] == SCALE and manifest["epoch"] == START.isoformat()
    assert manifest["first_full_day"] == START.isoformat()
    assert manifest["forward_book_from"] == BOOK_FROM.isoformat()


def test_the_forward_book_holds_only_what_was_published_and_booked_for_later_days(one_run):
    """A warm start: the days before the first full day carry the slots published and the bookings (and
    cancellations) made then, all for services on or after the first day, and the admissions (and
    transfers) of the stays still in hospital on the first day; nothing else happened then."""
    landing, _ = one_run
    assert set(FORWARD_BOOK_TABLES) == {
        "slot_published",
        "appointment_booked",
        "appointment_cancelled",
        "hospital_admitted",
        "patient_transferred",
    }
    for name, t in TABLES.items():
        if t.kind != "transaction":
            continue
        days = read_table(landing, name).column("_day").to_pylist()
        before = sum(d < START for d in days)
        # a small city may have no transfer before its first day
        assert (before > 0) == (name in FORWARD_BOOK_TABLES) or name == "patient_transferred", name
        assert before == 0 or name in FORWARD_BOOK_TABLES, name
    admitted = read_table(landing, "hospital_admitted").to_pydict()
    discharged = set(read_table(landing, "hospital_discharged").column("stay_id").to_pylist())
    early = [s for s, d in zip(admitted["stay_id"], admitted["_day"], strict=True) if d < START]
    assert early and discharged  # the hospitals open occupied, and those stays end within the run
    slots = read_table(landing, "slot_published").to_pydict()
    early = [s for s, d in zip(slots["starts_at"], slots["_day"], strict=True) if d < START]
    assert min(early).date() >= START
    booked = read_table(landing, "appointment_booked")
    ahead = sum(d < START for d in booked.column("_day").to_pylist())
    assert ahead > 0.1 * booked.num_rows  # the first days open with a calendar already partly booked


def test_same_seed_same_rows(one_run, tmp_path):
    landing, counts = one_run
    again = simulate(tmp_path / "landing", scale=SCALE, start=START, days=12, seed=7)
    assert again == counts
    _assert_same(landing, tmp_path / "landing")


def test_the_number_of_workers_does_not_change_the_rows(one_run, tmp_path):
    landing, counts = one_run
    for workers in (1, 3):
        again = simulate(tmp_path / f"w{workers}", scale=SCALE, start=START, days=12, seed=7, workers=workers)
        assert again == counts
        _assert_same(landing, tmp_path / f"w{workers}")


def test_other_seed_other_rows(one_run, tmp_path):
    landing, _ = one_run
    simulate(tmp_path / "landing", scale=SCALE, start=START, days=2, seed=8)
    a = pq.read_table(landing / "patients" / "part-0.parquet").column("patient_id")
    b = pq.read_table(tmp_path / "landing" / "patients" / "part-0.parquet").column("patient_id")
    assert not a.equals(b)


def test_continued_runs_equal_one_run(one_run, tmp_path):
    landing, counts = one_run
    pieces = tmp_path / "landing"
    first = simulate(pieces, scale=SCALE, start=START, days=5, seed=7)
    second = simulate(pieces, scale=SCALE, start=START + dt.timedelta(5), days=7, seed=7)
    _assert_same(landing, pieces)
    for name, t in TABLES.items():
        if t.kind == "transaction":
            assert first[name] + second[name] == counts[name], name


def test_a_continued_run_rewrites_only_the_snapshots_that_changed(tmp_path):
    landing = tmp_path / "landing"
    simulate(landing, scale=SCALE, start=START, days=3, seed=7)
    files = {name: landing / name / "part-0.parquet" for name, t in TABLES.items() if t.kind == "reference"}
    before = {name: (p.stat().st_mtime_ns, pq.read_table(p)) for name, p in files.items()}
    simulate(landing, scale=SCALE, start=START + dt.timedelta(3), days=2, seed=7, workers=1)
    changed = {name for name, p in files.items() if p.stat().st_mtime_ns != before[name][0]}
    # the month's spending so far grows every day; the registry of 13k residents is the same in March
    assert "facility_expenses" in changed and "patients" not in changed
    for name in set(files) - changed:
        assert pq.read_table(files[name]).equals(before[name][1]), name
    assert not (landing / "_staging").exists()


def test_rerunning_a_day_rewrites_only_that_day(one_run, tmp_path):
    landing, _ = one_run
    other = tmp_path / "landing"
    simulate(other, scale=SCALE, start=START, days=3, seed=7)
    day2 = other / "encounter_closed" / f"date={START + dt.timedelta(1)}" / "part-0.parquet"
    mtime = day2.stat().st_mtime_ns
    counts = simulate(other, scale=SCALE, start=START + dt.timedelta(2), days=1, seed=7)
    assert day2.stat().st_mtime_ns == mtime
    rel = f"encounter_closed/date={START + dt.timedelta(2)}/part-0.parquet"
    assert pq.read_table(other / rel).equals(pq.read_table(landing / rel))
    assert counts["encounter_closed"] == pq.read_table(other / rel).num_rows


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0}, "scale must be above 0"),
        ({"scale": -1.0}, "scale must be above 0"),
        ({"scale": 50.0}, "at most"),
        ({"scale": float("nan")}, "scale must be a number"),
        ({"scale": "big"}, "scale must be a number"),
        ({"days": 0}, "days must be"),
        ({"days": 1.5}, "days must be"),
        ({"start": "01.03.2025"}, "YYYY-MM-DD"),
        ({"start": None}, "YYYY-MM-DD"),
        ({"seed": -3}, "seed must be"),
        ({"workers": 0}, "workers must be"),
        ({"start": "1980-01-01"}, "must fall within"),
    ],
)
def test_bad_input_is_a_one_line_error(tmp_path, kwargs, message):
    args = {"scale": SCALE, "start": START, "days": 1, "seed": 1} | kwargs
    with pytest.raises(SimulationError, match=message) as err:
        simulate(tmp_path / "landing", **args)
    assert "\n" not in str(err.value)
    assert isinstance(err.value, ValueError)
    assert not (tmp_path / "landing" / "_city.json").exists()


def test_folder_of_another_city_is_refused(tmp_path):
    landing = tmp_path / "landing"
    simulate(landing, scale=SCALE, start=START, days=1, seed=1)
    with pytest.raises(SimulationError, match="holds another city"):
        simulate(landing, scale=SCALE, start=START, days=1, seed=2)
    with pytest.raises(SimulationError, match="holds another city"):
        simulate(landing, scale=0.002, start=START, days=1, seed=1)
    with pytest.raises(SimulationError, match="cannot start before"):
        simulate(landing, scale=SCALE, start=START - dt.timedelta(1), days=1, seed=1)
    (tmp_path / "file").write_text("x")
    with pytest.raises(SimulationError, match="not a folder"):
        simulate(tmp_path / "file", scale=SCALE, start=START, days=1, seed=1)


def test_parse_start():
    assert parse_start("2025-01-31") == dt.date(2025, 1, 31)
    assert parse_start(dt.datetime(2025, 1, 31, 10)) == dt.date(2025, 1, 31)
    for bad in ("2025-13-01", "yesterday", "", "31/01/2025"):
        with pytest.raises(SimulationError):
            parse_start(bad)


def test_the_landing_check_catches_broken_rows(one_run):
    from services.simulator.validate import check_table, read_table

    landing, _ = one_run
    tbl = read_table(landing, "appointment_booked")
    good = check_table("appointment_booked", tbl)
    assert good == []
    ids = tbl.column("patient_id").to_pylist()
    ids[0] = "NOT-A-PSEUDONYM"
    column = tbl.schema.get_field_index("patient_id")
    broken = tbl.set_column(column, "patient_id", pa.array(ids, pa.string()))
    assert any("patient_id" in p for p in check_table("appointment_booked", broken))
    # per table and rule, as the ingest would name it
    assert any(
        p.startswith("appointment_booked.patient_id: matchesPattern: 1 rows (first: row 0")
        for p in check_table("appointment_booked", broken)
    )


def test_the_self_check_reports_lifecycle_faults_per_table_and_rule(one_run, tmp_path):
    """The self-check runs the contract's rules as the ingest does: a no-show days before its slot and a
    doctor's slot overlapping another across midnight, planted in a copy of a run, are reported."""
    import shutil

    landing = tmp_path / "landing"
    shutil.copytree(one_run[0], landing)
    day = START + dt.timedelta(days=2)
    no_shows = landing / "appointment_no_show" / f"date={day}" / "part-0.parquet"
    missed = pq.read_table(no_shows)
    booked = read_table(landing, "appointment_booked")
    slots = read_table(landing, "slot_published")
    # a booking made by `day` of a slot after the run's last day (no outcome yet): its no-show is planted
    # on `day`, 09:00, days before the slot
    slot_start = dict(
        zip(slots.column("slot_id").to_pylist(), slots.column("starts_at").to_pylist(), strict=True)
    )
    later = next(
        a
        for a, s, d in zip(
            *(booked.column(c).to_pylist() for c in ("appointment_id", "slot_id", "_day")), strict=True
        )
        if d <= day and slot_start[s].date() > START + dt.timedelta(days=11)
    )
    planted = dict(missed.slice(0, 1).to_pylist()[0], event_id=2**61, appointment_id=later)
    planted["occurred_at"] = dt.datetime.combine(day, dt.time(9))
    pq.write_table(
        pa.concat_tables([missed, pa.Table.from_pylist([planted], schema=missed.schema)]), no_shows
    )
    # a slot of the same doctor as a published one, starting 10 minutes into it
    published = landing / "slot_published" / f"date={day}" / "part-0.parquet"
    day_slots = pq.read_table(published)
    first = day_slots.slice(0, 1).to_pylist()[0]
    clash = dict(
        first, event_id=2**61 + 1, slot_id=2**61 + 1, starts_at=first["starts_at"] + dt.timedelta(minutes=10)
    )
    pq.write_table(
        pa.concat_tables([day_slots, pa.Table.from_pylist([clash], schema=day_slots.schema)]), published
    )

    problems = check_landing(landing)
    assert len(problems) == 2, problems
    assert problems[0].startswith("slot_published.starts_at: noOverlappingSlots: 1 rows (first: row ")
    assert problems[1].startswith(
        "appointment_no_show.occurred_at: outcomeAfterSlotStart: 1 rows (first: row "
    )
