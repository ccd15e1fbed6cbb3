"""The contract's rules hold in the API as in the warehouse: one declaration, enforced everywhere.

Issue 13, acceptance 2: a rule added to the contract's declarations only (here a temporary copy of two
tables, each with one more rule) is enforced, with no other code changed, by the ingest (the breaking
row quarantined with the rule's name), the API (422 naming the rule and the field) and the simulator's
self-check (reported per table and rule). Issue 13, acceptance 1 (the API's side): a patient born in the
future is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import update

from services.api.db import make_engine
from services.api.models import Patient
from services.api.outbox import moscow_now, read_outbox
from services.contract import TABLES, arrow_schema
from services.contract.landing import reference_dir, transaction_dir
from services.contract.schema import CrossRowRule, Lookup
from services.simulator.validate import check_landing
from warehouse.ingest import load_days, load_snapshot

# the two added rules: a bound on a column, and a cross-row rule with a look-up
MAX_DISTRICT = 200
BOOKED_BEFORE_DEATH = CrossRowRule(
    "bookedBeforeDeath",
    "occurred_at",
    "<=",
    "death_date",
    "A booking is not made after the patient's death (no grace: only a living patient books).",
    lookup=Lookup("patient_id", "patients", "patient_id"),
)

REGISTRATION = {
    "oms_policy": "7700000000000042",
    "full_name": "Anna Smirnova",
    "sex": "F",
    "birth_month": "1984-02-01",
    "district_id": 1,
    "attached_facility_id": 1,
}


def add_rules(monkeypatch) -> None:
    """Add the two rules to the contract's declarations (restored after the test)."""
    patients = TABLES["patients"]
    columns = tuple(
        dataclasses.replace(c, max=MAX_DISTRICT) if c.name == "district_id" else c for c in patients.columns
    )
    monkeypatch.setitem(TABLES, "patients", dataclasses.replace(patients, columns=columns))
    booked = TABLES["appointment_booked"]
    rules = (*booked.cross_row_rules, BOOKED_BEFORE_DEATH)
    monkeypatch.setitem(TABLES, "appointment_booked", dataclasses.replace(booked, cross_row_rules=rules))


@pytest.fixture
def added_rules(monkeypatch) -> None:
    add_rules(monkeypatch)


# --- a landing folder with one row breaking each added rule ----------------------------------------------

DAY = dt.date(2025, 3, 10)
ALIVE, DEAD, FAR = "00000000000000a1", "00000000000000d1", "00000000000000f1"


def _write(folder: Path, name: str, rows: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=arrow_schema(TABLES[name])), folder / "part-0.parquet")


def _patient(pid: str, district: int = 1, death: dt.date | None = None) -> dict:
    return dict(
        patient_id=pid, sex="F", birth_month=dt.date(1970, 1, 1), district_id=district,
        attached_facility_id=1, insurance="OMS", death_date=death,
    )  # fmt: skip


@pytest.fixture
def planted(tmp_path) -> Path:
    """A patient in district 500; a patient dead 5 days before the day (inside DQD's 60-day grace) who
    books that day; a living one who books too."""
    root = tmp_path / "landing"
    patients = [
        _patient(ALIVE),
        _patient(DEAD, death=DAY - dt.timedelta(days=5)),
        _patient(FAR, district=500),
    ]
    _write(reference_dir(root, "patients"), "patients", patients)
    at = dt.datetime.combine(DAY, dt.time(9))
    _write(
        transaction_dir(root, "slot_published", DAY),
        "slot_published",
        [
            dict(
                event_id=i,
                occurred_at=at,
                slot_id=i,
                doctor_id=1,
                facility_id=1,
                specialty_id="therapist",
                starts_at=at + dt.timedelta(days=1, minutes=15 * i),
                duration_min=15,
                is_urgent_reserve=False,
            )  # fmt: skip
            for i in (1, 2)
        ],
    )
    _write(
        transaction_dir(root, "appointment_booked", DAY),
        "appointment_booked",
        [
            dict(
                event_id=10 + i,
                occurred_at=at + dt.timedelta(hours=1),
                appointment_id=100 + i,
                slot_id=i,
                patient_id=pid,
                channel="portal",
                referral_id=None,
            )  # fmt: skip
            for i, pid in ((1, ALIVE), (2, DEAD))
        ],
    )
    return root


# --- the three enforcers ---------------------------------------------------------------------------------


def _reasons(target, table: str) -> list[str]:
    rows = target.execute(
        "select reason from raw.raw_quarantine where table_name = ? order by row_number", [table]
    )
    return [r for (r,) in rows]


def test_the_ingest_quarantines_a_row_breaking_an_added_rule(planted, target, added_rules):
    patients = load_snapshot(target, planted, TABLES["patients"])
    assert (patients.loaded_rows, patients.quarantined_rows) == (2, 1)
    assert _reasons(target, "patients") == ["district_id: plausibleValueHigh: 500 is above the maximum 200"]
    load_days(target, planted, TABLES["slot_published"], [DAY])
    [booked] = load_days(target, planted, TABLES["appointment_booked"], [DAY])
    assert (booked.landing_rows, booked.loaded_rows, booked.quarantined_rows) == (2, 1, 1)
    assert _reasons(target, "appointment_booked") == [
        "occurred_at: bookedBeforeDeath: 2025-03-10 is after patients.death_date 2025-03-05"
    ]


def _rows_problems(landing: Path) -> list[str]:
    """The self-check's problems with rows (the folder holds only the snapshots it needs)."""
    return [p for p in check_landing(landing) if not p.endswith("no snapshot in the folder")]


def test_the_self_check_reports_a_row_breaking_an_added_rule(planted, monkeypatch):
    assert _rows_problems(planted) == []  # the contract as declared: the folder keeps it
    add_rules(monkeypatch)
    problems = _rows_problems(planted)
    assert len(problems) == 2, problems
    assert problems[0].startswith("patients.district_id: plausibleValueHigh: 1 rows (first: row 2, ")
    assert problems[1].startswith("appointment_booked.occurred_at: bookedBeforeDeath: 1 rows (first: row 1, ")


def test_the_api_refuses_a_row_breaking_an_added_rule(api, monkeypatch):
    # under the contract as declared, a patient of district 500 registers, and a patient dead since
    # yesterday (inside DQD's grace) can be booked
    assert api.post("registry1", "/patients", json={**REGISTRATION, "district_id": 500}).status_code == 201
    engine = make_engine(api.db_url)
    with engine.begin() as conn:
        yesterday = moscow_now().date() - dt.timedelta(days=1)
        conn.execute(
            update(Patient).where(Patient.patient_id == api.patients[5]).values(death_date=yesterday)
        )
    engine.dispose()
    slots = [s["slot_id"] for s in api.get("admin", "/slots", params={"facility_id": 1}).json()]
    booking = {"slot_id": slots[0], "patient_id": api.patients[5]}
    assert api.post("registry1", "/appointments", json=booking).status_code == 201

    add_rules(monkeypatch)
    r = api.post(
        "registry1", "/patients", json={**REGISTRATION, "oms_policy": "7700000000000043", "district_id": 500}
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == [
        {
            "loc": ["body", "district_id"],
            "msg": "district_id: plausibleValueHigh: 500 is above the maximum 200",
            "type": "plausibleValueHigh",
        }
    ]
    seq_before = max(row.seq for row in read_outbox(api.db_url, 0, 10_000))
    r = api.post("registry1", "/appointments", json={**booking, "slot_id": slots[1]})
    assert r.status_code == 422, r.text
    [detail] = r.json()["detail"]
    assert detail["type"] == "bookedBeforeDeath" and detail["loc"] == ["appointment_booked", "occurred_at"]
    assert "is after patients.death_date" in detail["msg"]
    # refused whole: no booking, no outbox row, the slot still free
    assert read_outbox(api.db_url, seq_before, 10) == []
    free = {s["slot_id"] for s in api.get("admin", "/slots", params={"facility_id": 1, "limit": 1000}).json()}
    assert slots[1] in free


def test_the_api_refuses_a_patient_born_in_the_future(api):
    r = api.post("registry1", "/patients", json={**REGISTRATION, "birth_month": "2031-04-01"})
    assert r.status_code == 422, r.text
    [detail] = r.json()["detail"]
    assert detail["type"] == "plausibleValueHigh" and detail["loc"] == ["body", "birth_month"]
    assert detail["msg"].startswith("birth_month: plausibleValueHigh: 2031-04-01 is after the load date ")
    assert api.post("registry1", "/patients", json=REGISTRATION).status_code == 201
    r = api.post("registry1", "/patients", json=REGISTRATION)  # registered already: a rule about other rows
    assert r.status_code == 409
    assert r.json()["detail"][0]["type"] == "isPrimaryKey"
