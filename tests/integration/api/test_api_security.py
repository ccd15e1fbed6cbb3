"""Access rules: unknown tokens, other patients' cards, doctors at other facilities, 422s by field, logs."""

from __future__ import annotations

import logging

import pytest

from services.api.security import hash_token


def slot_at(api, facility_id: int, specialty_id: str = "therapist") -> int:
    return api.get(
        "admin", "/slots", params={"facility_id": facility_id, "specialty_id": specialty_id}
    ).json()[0]["slot_id"]


def test_unknown_or_missing_token_is_401(shared_api):
    api = shared_api
    r = api.client.get("/api/v1/facilities", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert api.client.get("/api/v1/facilities").status_code == 401
    assert api.client.post("/api/v1/appointments", json={"slot_id": 1}).status_code == 401
    # the store keeps hashes only: the token itself is nowhere in it
    from sqlalchemy import text

    with api.app.state.engine.connect() as conn:
        hashes = set(conn.execute(text("select token_hash from api_tokens")).scalars())
    assert api.tokens["admin"] not in hashes and hash_token(api.tokens["admin"]) in hashes


def test_a_patient_reads_and_books_only_for_themselves(api):
    own, other = api.patients[0], api.patients[1]
    assert api.get(0, f"/patients/{own}/card").status_code == 200
    assert api.get(0, f"/patients/{other}/card").status_code == 403
    assert api.get(0, "/appointments", params={"patient_id": other}).status_code == 403
    assert api.get(0, "/prescriptions", params={"patient_id": other}).status_code == 403
    r = api.post(0, "/appointments", json={"slot_id": slot_at(api, 1), "patient_id": other})
    assert r.status_code == 403
    # staff: a doctor reads any card, registry staff only those attached to their facility
    assert api.get("doctor2", f"/patients/{own}/card").status_code == 200
    assert api.get("registry1", f"/patients/{own}/card").status_code == 200  # patient 0 is attached to 1
    assert api.get("registry1", f"/patients/{other}/card").status_code == 403
    assert api.get("pharmacist", f"/patients/{own}/card").status_code == 403


def test_a_doctor_writes_records_at_their_own_facility_only(api):
    patient = api.patients[0]
    r = api.post("doctor2", "/encounters", json={"patient_id": patient, "facility_id": 1})
    assert r.status_code == 403
    enc = api.post("doctor1", "/encounters", json={"patient_id": patient}).json()
    close = {"diagnoses": [{"icd10_code": "J06.9", "is_primary": True}]}
    assert api.post("doctor2", f"/encounters/{enc['encounter_id']}/close", json=close).status_code == 403
    rx = {"encounter_id": enc["encounter_id"], "atc_code": "J01CA04", "quantity": 1, "days_supply": 7}
    assert api.post("doctor2", "/prescriptions", json=rx).status_code == 403
    ref = {"encounter_id": enc["encounter_id"], "to_specialty_id": "cardiologist"}
    assert api.post("doctor2", "/referrals", json=ref).status_code == 403
    # a booked appointment at facility 1 cannot be opened by facility 2's doctor either
    appt = api.post(0, "/appointments", json={"slot_id": slot_at(api, 1)}).json()
    r = api.post(
        "doctor2", "/encounters", json={"patient_id": patient, "appointment_id": appt["appointment_id"]}
    )
    assert r.status_code == 403
    assert api.post("registry1", "/encounters", json={"patient_id": patient}).status_code == 403
    assert api.post("doctor1", f"/encounters/{enc['encounter_id']}/close", json=close).status_code == 200


@pytest.mark.parametrize(
    ("url", "body", "loc"),
    [
        ("/appointments", {"slot_id": "abc"}, ["body", "slot_id"]),
        ("/appointments", {"slot_id": 0}, ["body", "slot_id"]),
        ("/appointments", {"slot_id": 1, "channel": "pigeon"}, ["body", "channel"]),
        ("/appointments", {"slot_id": 1, "patient_id": "Ivanov"}, ["body", "patient_id"]),
        ("/appointments", {"slot_id": 1, "colour": "red"}, ["body", "colour"]),
        ("/appointments", {}, ["body", "slot_id"]),
        ("/encounters", {"patient_id": "0123456789abcdef", "visit_type": "party"}, ["body", "visit_type"]),
        (
            "/encounters/1/close",
            {"diagnoses": [{"icd10_code": "flu", "is_primary": True}]},
            ["body", "diagnoses", 0, "icd10_code"],
        ),
        ("/encounters/1/close", {"diagnoses": [{"icd10_code": "J06.9"}]}, ["body", "diagnoses"]),
        ("/encounters/1/close", {"diagnoses": []}, ["body", "diagnoses"]),
        (
            "/prescriptions",
            {"encounter_id": 1, "atc_code": "C09AA05", "quantity": 0, "days_supply": 7},
            ["body", "quantity"],
        ),
        (
            "/prescriptions",
            {"encounter_id": 1, "atc_code": "aspirin", "quantity": 1, "days_supply": 7},
            ["body", "atc_code"],
        ),
        ("/referrals", {"encounter_id": 1, "to_specialty_id": "Cardio Logist"}, ["body", "to_specialty_id"]),
        (
            "/patients",
            {"oms_policy": "12", "full_name": "X", "sex": "M", "birth_month": "1980-01-01", "district_id": 1},
            ["body", "oms_policy"],
        ),
    ],
)
def test_malformed_bodies_get_a_field_level_422(shared_api, url, body, loc):
    api = shared_api
    who = "registry1" if url == "/patients" else "doctor1"
    r = api.post(who, url, json=body)
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]


def test_malformed_json_is_422(shared_api):
    api = shared_api
    r = api.client.post(
        "/api/v1/appointments",
        content=b"{not json",
        headers={**api.headers(0), "Content-Type": "application/json"},
    )
    assert r.status_code == 422


def test_no_patient_data_in_logs(api, caplog):
    patient = api.patients[0]
    with caplog.at_level(logging.DEBUG):
        api.get(0, f"/patients/{patient}/card")
        api.post(0, "/appointments", json={"slot_id": slot_at(api, 1)})
        api.get(1, f"/patients/{patient}/card")
    assert any("/api/v1/patients/{patient_id}/card" in r.getMessage() for r in caplog.records)
    server_side = [r for r in caplog.records if not r.name.startswith("httpx")]  # the client's own log
    assert not any(patient in r.getMessage() for r in server_side)


def test_registering_a_patient_keeps_the_policy_out_of_the_id(api):
    body = {
        "oms_policy": "7700000000000001",
        "full_name": "Ivan Petrov",
        "sex": "M",
        "birth_month": "1980-05-17",
        "district_id": 1,
        "attached_facility_id": 1,
    }
    r = api.post("registry1", "/patients", json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert len(out["patient_id"]) == 16 and "7700000000000001" not in r.text and "Ivan" not in r.text
    assert out["birth_month"] == "1980-05-01"
    assert api.post("registry1", "/patients", json=body).status_code == 409
    assert api.post(0, "/patients", json={**body, "oms_policy": "7700000000000002"}).status_code == 403


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/appointments/99999999999999999999", ["path", "appointment_id"]),
        ("/appointments/abc", ["path", "appointment_id"]),
        ("/slots?facility_id=0", ["query", "facility_id"]),
        ("/slots?date_from=yesterday", ["query", "date_from"]),
        ("/patients/not-a-pseudonym/card", ["path", "patient_id"]),
    ],
)
def test_malformed_paths_and_queries_get_a_field_level_422(shared_api, url, loc):
    r = shared_api.get("admin", url)
    assert r.status_code == 422, r.text
    assert loc in [e["loc"] for e in r.json()["detail"]]
