"""The outbox: a day of activity yields contract rows in commit order; read_outbox resumes without loss."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter

from sqlalchemy.engine import make_url

from services.api.activity import drive_activity
from services.api.models import API_ID_BASE
from services.api.outbox import outbox_high_water, read_outbox, validate_row
from services.contract import table, transaction_tables
from tests.integration.api.conftest import clock_at


def a_day_of_activity(api) -> None:
    """Every kind of state change the API knows, each at least once."""
    r = api.post(
        "registry1", "/slots", json={"doctor_id": 11, "starts_at": "2099-03-01T10:00:00", "duration_min": 20}
    )
    assert r.status_code == 201
    published = r.json()["slot_id"]
    slots = api.get("admin", "/slots", params={"facility_id": 1, "specialty_id": "therapist"}).json()
    appt = api.post(0, "/appointments", json={"slot_id": slots[0]["slot_id"]}).json()
    a2 = api.post(1, "/appointments", json={"slot_id": slots[1]["slot_id"]}).json()
    a3 = api.post(1, "/appointments", json={"slot_id": slots[2]["slot_id"]}).json()
    assert api.post(
        "registry1", f"/appointments/{a3['appointment_id']}/cancel", json={"reason": "doctor ill"}
    ).is_success
    # the day of the visits: outcomes are recorded when their slots' time has come
    with clock_at(dt.datetime.fromisoformat(slots[1]["starts_at"]) + dt.timedelta(minutes=20)):
        visits(api, appt, a2, published)
        a_stay(api)


def a_stay(api) -> None:
    """Patient 2's emergency stay in hospital 1, moved once, discharged home, then followed up."""
    stay = api.post(
        "hospital1",
        "/stays",
        json={
            "patient_id": api.patients[2],
            "department_id": 101,
            "admission_type": "emergency",
            "primary_icd10": "J18.9",
        },
    )
    assert stay.status_code == 201, stay.text
    stay_id = stay.json()["stay_id"]
    moved = api.post("hospital1", f"/stays/{stay_id}/transfer", json={"to_department_id": 102})
    assert moved.status_code == 200, moved.text
    home = {"discharge_outcome": "home", "primary_icd10": "J18.9"}
    assert api.post("hospital1", f"/stays/{stay_id}/discharge", json=home).status_code == 200
    slot = api.get("admin", "/slots", params={"facility_id": 1}).json()[0]["slot_id"]
    follow_up = api.post("registry1", f"/stays/{stay_id}/follow-up", json={"slot_id": slot})
    assert follow_up.status_code == 201, follow_up.text


def visits(api, appt: dict, a2: dict, published: int) -> None:
    """Patient 0's visit with all that follows it (a referral books the `published` slot), a walk-in,
    and patient 1's no-show."""
    p0 = api.patients[0]
    # the visit: opening it marks the appointment attended
    enc = api.post(
        "doctor1", "/encounters", json={"patient_id": p0, "appointment_id": appt["appointment_id"]}
    )
    assert enc.status_code == 201, enc.text
    enc_id = enc.json()["encounter_id"]
    close = {
        "diagnoses": [
            {
                "icd10_code": "I10",
                "is_primary": True,
                "diagnosis_kind": "first_time",
                "dispensary_action": "start",
            },
            {"icd10_code": "E11.9", "diagnosis_kind": "known"},
        ]
    }
    closed = api.post("doctor1", f"/encounters/{enc_id}/close", json=close)
    assert closed.status_code == 200 and len(closed.json()["diagnoses"]) == 2
    assert api.post("doctor1", f"/encounters/{enc_id}/close", json=close).status_code == 409
    rx = api.post(
        "doctor1",
        "/prescriptions",
        json={
            "encounter_id": enc_id,
            "atc_code": "C09AA05",
            "quantity": 2,
            "days_supply": 30,
            "benefit_category": "regional",
        },
    )
    assert rx.status_code == 201
    rx_id = rx.json()["prescription_id"]
    assert api.post("pharmacist", f"/prescriptions/{rx_id}/dispense", json={"quantity": 3}).status_code == 422
    assert api.post("doctor1", f"/prescriptions/{rx_id}/dispense").status_code == 403
    assert api.post("pharmacist", f"/prescriptions/{rx_id}/dispense").json()["pharmacy_id"] == 7
    assert api.post("pharmacist", f"/prescriptions/{rx_id}/dispense").status_code == 409
    ref = api.post(
        "doctor1", "/referrals", json={"encounter_id": enc_id, "to_specialty_id": "cardiologist"}
    ).json()
    # the referral books the cardiologist's published slot, once
    booked = api.post(0, "/appointments", json={"slot_id": published, "referral_id": ref["referral_id"]})
    assert booked.status_code == 201
    cardio = api.get("admin", "/slots", params={"specialty_id": "cardiologist", "facility_id": 1}).json()[0]
    again = api.post(
        0, "/appointments", json={"slot_id": cardio["slot_id"], "referral_id": ref["referral_id"]}
    )
    assert again.status_code == 409
    # a walk-in with a referral elsewhere, and a no-show
    walk_in = api.post(
        "doctor2", "/encounters", json={"patient_id": api.patients[1], "visit_type": "urgent"}
    ).json()
    assert walk_in["is_walk_in"] is True
    assert (
        api.post(
            "doctor2",
            f"/encounters/{walk_in['encounter_id']}/close",
            json={"diagnoses": [{"icd10_code": "S93.4", "is_primary": True}], "minutes": 12},
        ).status_code
        == 200
    )
    assert api.post(
        "registry1", f"/appointments/{a2['appointment_id']}/attendance", json={"attended": False}
    ).is_success
    # the card shows it all
    card = api.get(0, f"/patients/{p0}/card").json()
    assert len(card["encounters"]) == 1 and len(card["prescriptions"]) == 1 and len(card["referrals"]) == 1
    assert card["prescriptions"][0]["dispensed_at"] is not None
    assert (
        api.get("pharmacist", "/prescriptions", params={"patient_id": p0, "undispensed_only": True}).json()
        == []
    )


def test_every_outbox_row_keeps_the_contract(api):
    a_day_of_activity(api)
    rows = read_outbox(api.db_url, 0, 10_000)
    assert {r.table_name for r in rows} == {t.name for t in transaction_tables()}
    for r in rows:
        assert validate_row(r.table_name, r.row) == [], r
        assert list(r.row) == table(r.table_name).column_names
        assert r.row["event_id"] == API_ID_BASE | r.seq
        assert isinstance(r.row["occurred_at"], dt.datetime) and r.row["occurred_at"].tzinfo is None
    seqs = [r.seq for r in rows]
    assert seqs == sorted(set(seqs))
    assert Counter(r.table_name for r in rows) == {
        "slot_published": 1,
        "appointment_booked": 5,
        "appointment_attended": 1,
        "encounter_closed": 2,
        "diagnosis_recorded": 3,
        "prescription_issued": 1,
        "prescription_dispensed": 1,
        "referral_issued": 1,
        "appointment_no_show": 1,
        "appointment_cancelled": 1,
        "hospital_admitted": 1,
        "patient_transferred": 1,
        "hospital_discharged": 1,
        "follow_up_booked": 1,
    }
    # references the warehouse checks hold within the outbox (seeded slots came from the simulator's files)
    booked = {r.row["appointment_id"] for r in rows if r.table_name == "appointment_booked"}
    for r in rows:
        if (
            r.table_name.startswith("appointment_")
            and r.table_name != "appointment_booked"
            or (r.table_name == "follow_up_booked")
        ):
            assert r.row["appointment_id"] in booked
    # no names, policies or documents: every string is a code, a pseudonym or a reason
    patients = set(api.patients)
    assert {r.row["patient_id"] for r in rows if "patient_id" in r.row} <= patients


def test_read_outbox_resumes_by_seq_without_loss_or_duplicates(api):
    a_day_of_activity(api)
    everything = read_outbox(api.db_url, 0, 10_000)
    assert outbox_high_water(api.db_url) == everything[-1].seq
    # a loader that stops after any batch and resumes from the last seq it stored
    engine = api.app.state.engine
    for batch in (1, 3, 7):
        got, last = [], 0
        while chunk := read_outbox(engine, last, batch):
            got.extend(chunk)
            last = chunk[-1].seq
        assert got == everything
    assert read_outbox(engine, everything[-1].seq, 100) == []
    # new activity continues after the high-water mark
    high = outbox_high_water(engine)
    slot = api.get("admin", "/slots", params={"facility_id": 2}).json()[0]["slot_id"]
    api.post("registry2", "/appointments", json={"slot_id": slot, "patient_id": api.patients[9]})
    new = read_outbox(engine, high, 100)
    assert [r.table_name for r in new] == ["appointment_booked"] and new[0].seq > high


def test_the_activity_driver_fills_the_outbox_with_contract_rows(sqlite_template, tmp_path):
    db = tmp_path / "activity.sqlite"
    shutil.copy(make_url(sqlite_template.db_url).database, db)
    written = drive_activity(f"sqlite:///{db}", bookings=30, seed=3)
    rows = read_outbox(f"sqlite:///{db}", 0, 10_000)
    assert Counter(r.table_name for r in rows) == written
    assert written["appointment_booked"] == 30 and written["encounter_closed"] > 0
    assert all(validate_row(r.table_name, r.row) == [] for r in rows)
