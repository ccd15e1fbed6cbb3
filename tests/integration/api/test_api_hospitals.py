"""Hospitals through the API (issue 14): a stay from the polyclinic's referral to the follow-up booking,
bed availability, who may do what, and the contract's rules answering by name (SQLite and PostgreSQL).

The landing (conftest.write_hospitals): hospital 1 with therapeutic department 101 (10 beds), cardiology
102 (5 beds until yesterday, 8 from today) and surgical 103 (closed in 2021); hospital 2 with 201.
Patients of even index are attached to polyclinic 1, odd to 2. Every test runs the service's clock at
noon today, so times an hour apart fall on the same day.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.api.db import make_engine
from services.api.models import Patient
from services.api.outbox import moscow_now, read_outbox
from tests.integration.api.conftest import clock_at

NOON = dt.datetime.combine(moscow_now().date(), dt.time(12))


@pytest.fixture(autouse=True)
def at_noon(api):  # after the app is made: making it sets the clock from its settings
    with clock_at(NOON):
        yield


def refer(api, patient: int, doctor: str = "doctor1") -> dict:
    """A referral issued by a polyclinic's doctor at a walk-in visit."""
    pid = api.patients[patient]
    r = api.post(doctor, "/encounters", json={"patient_id": pid})
    assert r.status_code == 201, r.text
    r = api.post(
        doctor,
        "/referrals",
        json={"encounter_id": r.json()["encounter_id"], "to_specialty_id": "cardiologist"},
    )
    assert r.status_code == 201, r.text
    return r.json()


def admit(api, patient: int, who: str = "hospital1", **body):
    return api.post(
        who,
        "/stays",
        json={"patient_id": api.patients[patient], "department_id": 101, "primary_icd10": "I20.0", **body},
    )


def admitted(api, patient: int, **body) -> dict:
    r = admit(api, patient, admission_type="emergency", **body)
    assert r.status_code == 201, r.text
    return r.json()


def discharge(api, stay_id: int, who: str = "hospital1", **body):
    body = {"discharge_outcome": "home", "primary_icd10": "I20.0", **body}
    return api.post(who, f"/stays/{stay_id}/discharge", json=body)


def outbox_after(api, seq: int) -> list:
    return read_outbox(api.db_url, seq, 1000)


def last_seq(api) -> int:
    rows = read_outbox(api.db_url, 0, 100_000)
    return rows[-1].seq if rows else 0


def beds(api, hospital_id: int = 1, who: str = "hospital1") -> dict[str, tuple[int, int, int]]:
    r = api.get(who, f"/hospitals/{hospital_id}/beds")
    assert r.status_code == 200, r.text
    return {p["bed_profile"]: (p["beds"], p["occupied"], p["available"]) for p in r.json()["profiles"]}


def free_slot(api, facility_id: int) -> int:
    return api.get("admin", "/slots", params={"facility_id": facility_id}).json()[0]["slot_id"]


# --- the path of a stay ----------------------------------------------------------------------------------


def test_a_referral_leads_to_a_stay_a_transfer_a_discharge_and_a_follow_up(api):
    referral = refer(api, 0)
    seq = last_seq(api)
    r = admit(api, 0, admission_type="planned", referral_id=referral["referral_id"])
    assert r.status_code == 201, r.text
    stay = r.json()
    assert stay["admission_source"] == "referral" and stay["referral_id"] == referral["referral_id"]
    assert stay["attached_facility_id"] == 1  # recorded from the patient
    assert stay["hospital_id"] == 1 and dt.datetime.fromisoformat(stay["admitted_at"]) >= NOON  # now
    sid = stay["stay_id"]
    assert sid > 2**62  # minted by the API
    assert api.get("doctor1", f"/referrals/{referral['referral_id']}").json()["admitted_stay_id"] == sid

    assert beds(api)["therapeutic"] == (10, 1, 9)
    r = api.post("hospital1", f"/stays/{sid}/transfer", json={"to_department_id": 102})
    assert r.status_code == 200, r.text
    assert r.json()["department_id"] == 102 and r.json()["admitted_department_id"] == 101
    assert beds(api)["therapeutic"] == (10, 0, 10) and beds(api)["cardiology"] == (8, 1, 7)

    r = discharge(api, sid, secondary_icd10="E11.9")
    assert r.status_code == 200, r.text
    assert r.json()["discharge_outcome"] == "home" and r.json()["discharged_at"] is not None
    assert beds(api)["cardiology"] == (8, 0, 8)

    slot = free_slot(api, 1)
    r = api.post("registry1", f"/stays/{sid}/follow-up", json={"slot_id": slot})
    assert r.status_code == 201, r.text
    booked = r.json()
    assert booked["appointment"]["slot_id"] == slot and booked["appointment"]["patient_id"] == api.patients[0]
    appointment_id = booked["appointment"]["appointment_id"]
    read = api.get("registry1", f"/stays/{sid}").json()
    assert [f["appointment_id"] for f in read["follow_ups"]] == [appointment_id]
    assert [(t["from_department_id"], t["to_department_id"]) for t in read["transfers"]] == [(101, 102)]

    rows = [(r.table_name, r.row) for r in outbox_after(api, seq)]
    assert [name for name, _ in rows] == [
        "hospital_admitted",
        "patient_transferred",
        "hospital_discharged",
        "appointment_booked",
        "follow_up_booked",
    ]
    by = dict(rows)
    assert by["hospital_admitted"] | {"occurred_at": None} == {
        "event_id": by["hospital_admitted"]["event_id"],
        "occurred_at": None,
        "stay_id": sid,
        "patient_id": api.patients[0],
        "hospital_id": 1,
        "department_id": 101,
        "admission_type": "planned",
        "admission_source": "referral",
        "referral_id": referral["referral_id"],
        "primary_icd10": "I20.0",
        "attached_facility_id": 1,
    }
    assert (
        by["patient_transferred"]["from_department_id"],
        by["patient_transferred"]["to_department_id"],
    ) == (
        101,
        102,
    )
    assert by["hospital_discharged"]["secondary_icd10"] == "E11.9"
    assert by["follow_up_booked"]["stay_id"] == sid
    assert (
        by["follow_up_booked"]["appointment_id"]
        == by["appointment_booked"]["appointment_id"]
        == appointment_id
    )


def test_bed_availability_counts_the_rows_valid_today(api):
    assert beds(api) == {"therapeutic": (10, 0, 10), "cardiology": (8, 0, 8)}  # 103 closed, 102's new row
    admitted(api, 2)
    admitted(api, 4)
    assert beds(api)["therapeutic"] == (10, 2, 8)
    assert beds(api, 2, "registry1") == {"therapeutic": (20, 0, 20)}
    departments = api.get("admin", "/hospitals/1/departments").json()
    assert [(d["department_id"], d["beds"]) for d in departments] == [(101, 10), (102, 8)]
    yesterday = (NOON.date() - dt.timedelta(days=1)).isoformat()
    departments = api.get("admin", "/hospitals/1/departments", params={"on": yesterday}).json()
    assert [(d["department_id"], d["beds"]) for d in departments] == [(101, 10), (102, 5)]
    assert [h["hospital_id"] for h in api.get(0, "/hospitals").json()] == [1, 2]
    assert api.get("admin", "/hospitals/9/beds").status_code == 404


def test_a_death_in_hospital_is_recorded_and_gets_no_follow_up(api):
    stay = admitted(api, 6)
    r = discharge(api, stay["stay_id"], discharge_outcome="died")
    assert r.status_code == 200, r.text
    engine = make_engine(api.db_url)
    with engine.connect() as conn:
        death = conn.execute(
            select(Patient.death_date).where(Patient.patient_id == api.patients[6])
        ).scalar_one()
    engine.dispose()
    assert death == NOON.date()
    r = api.post("registry1", f"/stays/{stay['stay_id']}/follow-up", json={"slot_id": free_slot(api, 1)})
    assert r.status_code == 409 and "died" in r.json()["detail"]
    assert admit(api, 6, admission_type="emergency").status_code == 409  # a dead patient is not admitted


# --- design decisions --------------------------------------------------------------------------------


def test_a_planned_admission_needs_the_patients_unused_referral(api):
    r = admit(api, 0, admission_type="planned")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "referral_id"]
    other = refer(api, 2)
    r = admit(api, 0, admission_type="planned", referral_id=other["referral_id"])
    assert r.status_code == 422 and "no such referral for this patient" in r.text
    r = admit(api, 2, admission_type="emergency", referral_id=other["referral_id"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "referral_id"]
    r = admit(api, 2, admission_type="emergency", admission_source="referral")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "admission_source"]
    stay = admit(api, 2, admission_type="planned", referral_id=other["referral_id"]).json()
    assert discharge(api, stay["stay_id"]).status_code == 200
    r = admit(api, 2, admission_type="planned", referral_id=other["referral_id"])
    assert r.status_code == 409 and r.json()["detail"] == "referral already used"
    cardiology = api.get("admin", "/slots", params={"facility_id": 1, "specialty_id": "cardiologist"}).json()
    booking = {
        "slot_id": cardiology[0]["slot_id"],
        "patient_id": api.patients[2],
        "referral_id": other["referral_id"],
    }
    r = api.post("registry1", "/appointments", json=booking)  # nor then books a visit
    assert r.status_code == 409 and r.json()["detail"] == "referral already used"


def test_one_stay_at_a_time_and_the_stays_own_hospital(api):
    stay = admitted(api, 8)
    r = admit(api, 8, admission_type="emergency")
    assert r.status_code == 409 and f"stay {stay['stay_id']}" in r.json()["detail"]
    sid = stay["stay_id"]
    r = api.post("hospital1", f"/stays/{sid}/transfer", json={"to_department_id": 201})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "to_department_id"]
    r = api.post("hospital1", f"/stays/{sid}/transfer", json={"to_department_id": 103})  # closed in 2021
    assert r.status_code == 422 and "no department 103 open" in r.text
    r = api.post("hospital1", f"/stays/{sid}/transfer", json={"to_department_id": 101})
    assert r.status_code == 422 and "already" in r.text
    later = (NOON + dt.timedelta(hours=1)).isoformat()
    r = api.post("hospital1", f"/stays/{sid}/transfer", json={"to_department_id": 102, "occurred_at": later})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "occurred_at"]
    r = api.post("registry1", f"/stays/{sid}/follow-up", json={"slot_id": free_slot(api, 1)})
    assert r.status_code == 409 and r.json()["detail"] == "the patient is still in hospital"
    assert api.post("hospital1", "/stays/12345/transfer", json={"to_department_id": 102}).status_code == 404


# --- security ----------------------------------------------------------------------------------------------


def test_hospital_staff_act_for_their_own_hospital_only(api):
    stay = admitted(api, 10)
    sid = stay["stay_id"]
    assert admit(api, 12, who="hospital2", admission_type="emergency").status_code == 403  # dept 101
    assert admit(api, 12, who="registry1", admission_type="emergency").status_code == 403
    assert admit(api, 12, who="doctor1", admission_type="emergency").status_code == 403
    r = api.post("hospital2", f"/stays/{sid}/transfer", json={"to_department_id": 102})
    assert r.status_code == 403
    assert discharge(api, sid, who="hospital2").status_code == 403
    assert api.get("hospital2", f"/stays/{sid}").status_code == 403
    assert api.get("hospital2", "/hospitals/1/beds").status_code == 403
    assert api.get(0, "/hospitals/1/beds").status_code == 403  # a patient
    assert api.get("pharmacist", "/hospitals/1/beds").status_code == 403
    assert api.client.get("/api/v1/hospitals/1/beds").status_code == 401
    assert api.client.post("/api/v1/stays", json={}).status_code == 401
    # reads: the patient, the patient's polyclinic, doctors, the hospital; not another polyclinic's registry
    assert api.get(10, f"/stays/{sid}").status_code == 200
    assert api.get(11, f"/stays/{sid}").status_code == 403
    assert api.get("registry1", f"/stays/{sid}").status_code == 200
    assert api.get("registry2", f"/stays/{sid}").status_code == 403
    assert api.get("doctor2", f"/stays/{sid}").status_code == 200
    assert [
        s["stay_id"] for s in api.get("hospital1", "/stays", params={"patient_id": api.patients[10]}).json()
    ] == [sid]
    assert api.get("hospital2", "/stays", params={"patient_id": api.patients[10]}).json() == []
    assert len(api.get("registry1", "/stays", params={"patient_id": api.patients[10]}).json()) == 1
    assert api.get("registry2", "/stays", params={"patient_id": api.patients[10]}).json() == []
    assert api.get("pharmacist", "/stays", params={"patient_id": api.patients[10]}).status_code == 403
    assert discharge(api, sid).status_code == 200
    # the follow-up goes into a slot of the caller's own facility
    r = api.post("registry2", f"/stays/{sid}/follow-up", json={"slot_id": free_slot(api, 1)})
    assert r.status_code == 403
    assert (
        api.post("hospital1", f"/stays/{sid}/follow-up", json={"slot_id": free_slot(api, 1)}).status_code
        == 403
    )


def test_every_refusal_is_documented_in_openapi(api):
    paths = api.client.get("/openapi.json").json()["paths"]
    writes = {
        "/api/v1/stays": {"401", "403", "409", "422"},
        "/api/v1/stays/{stay_id}/transfer": {"401", "403", "404", "409", "422"},
        "/api/v1/stays/{stay_id}/discharge": {"401", "403", "404", "409", "422"},
        "/api/v1/stays/{stay_id}/follow-up": {"401", "403", "404", "409", "422"},
    }
    for path, codes in writes.items():
        assert codes <= set(paths[path]["post"]["responses"]), path
    assert {"401", "403", "404"} <= set(paths["/api/v1/hospitals/{hospital_id}/beds"]["get"]["responses"])
    assert {"401", "403", "404"} <= set(paths["/api/v1/stays/{stay_id}"]["get"]["responses"])


# --- the contract's rules, by name -------------------------------------------------------------------------


def rule_refusal(r, status: int) -> dict:
    assert r.status_code == status, r.text
    [detail] = r.json()["detail"]
    return detail


def test_a_discharge_before_the_admission_breaks_dischargedAfterAdmission(api):
    stay = admitted(api, 14)
    seq = last_seq(api)
    before = (NOON - dt.timedelta(hours=1)).isoformat()
    detail = rule_refusal(discharge(api, stay["stay_id"], occurred_at=before), 422)
    assert detail["type"] == "dischargedAfterAdmission" and detail["loc"] == ["body", "occurred_at"]
    assert "is before hospital_admitted.occurred_at" in detail["msg"]
    r = api.post(
        "hospital1",
        f"/stays/{stay['stay_id']}/transfer",
        json={"to_department_id": 102, "occurred_at": before},
    )
    detail = rule_refusal(r, 422)
    assert detail["type"] == "transferredAfterAdmission" and detail["loc"] == ["body", "occurred_at"]
    assert outbox_after(api, seq) == []  # refused whole
    assert api.get("hospital1", f"/stays/{stay['stay_id']}").json()["discharged_at"] is None


def test_a_second_discharge_breaks_oneDischargePerStay(api):
    stay = admitted(api, 16)
    assert discharge(api, stay["stay_id"]).status_code == 200
    seq = last_seq(api)
    with clock_at(NOON + dt.timedelta(hours=2)):
        detail = rule_refusal(discharge(api, stay["stay_id"], discharge_outcome="other_hospital"), 409)
    assert detail["type"] == "oneDischargePerStay" and detail["loc"] == ["hospital_discharged", "stay_id"]
    assert outbox_after(api, seq) == []
    assert (
        api.get("admin", f"/stays/{stay['stay_id']}").json()["discharge_outcome"] == "home"
    )  # the first stands


def test_an_admission_before_its_referral_breaks_referralBeforeAdmission(api):
    referral = refer(api, 18)
    before = (NOON - dt.timedelta(minutes=30)).isoformat()
    r = admit(api, 18, admission_type="planned", referral_id=referral["referral_id"], occurred_at=before)
    detail = rule_refusal(r, 422)
    assert detail["type"] == "referralBeforeAdmission" and detail["loc"] == ["body", "occurred_at"]
    # refused whole: the referral is still unused
    assert api.get("doctor1", f"/referrals/{referral['referral_id']}").json()["admitted_stay_id"] is None


def test_a_referral_older_than_the_reference_window_breaks_isForeignKey(api):
    with clock_at(NOON - dt.timedelta(days=100)):
        referral = refer(api, 20)
    r = admit(api, 20, admission_type="planned", referral_id=referral["referral_id"])
    detail = rule_refusal(r, 409)
    assert detail["type"] == "isForeignKey" and detail["loc"] == ["body", "referral_id"]


def test_an_admission_after_the_clock_or_with_a_zone_is_refused(api):
    later = (NOON + dt.timedelta(hours=1)).isoformat()
    r = admit(api, 22, admission_type="emergency", occurred_at=later)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "occurred_at"]
    r = admit(api, 22, admission_type="emergency", occurred_at=NOON.isoformat() + "+03:00")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "occurred_at"]
    r = admit(api, 22, admission_type="emergency", primary_icd10="not-icd")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "primary_icd10"]
