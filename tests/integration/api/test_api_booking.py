"""Booking through the API: book, 409 on a taken slot, cancel, reschedule, registry staff, free slots."""

from __future__ import annotations


def free(api, **params):
    r = api.get("admin", "/slots", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_directory_lists_the_seeded_city(api):
    assert [f["facility_id"] for f in api.get(0, "/facilities").json()] == [1, 2]
    assert {s["specialty_id"] for s in api.get(0, "/specialties").json()} == {"therapist", "cardiologist"}
    doctors = api.get(0, "/doctors", params={"facility_id": 2}).json()
    assert {d["doctor_id"] for d in doctors} == {20, 21}  # doctor 21 moved to facility 2
    slots = free(api, facility_id=1, specialty_id="cardiologist")
    assert len(slots) == 10 and all(s["doctor_id"] == 11 for s in slots)
    assert 999 not in {s["slot_id"] for s in free(api, limit=1000)}  # the past slot is not offered
    first = slots[0]["starts_at"][:10]
    assert free(api, date_from=first, date_to=first, facility_id=2, specialty_id="therapist")
    r = api.get(0, "/slots", params={"date_from": "2030-01-02", "date_to": "2030-01-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "date_to"]


def test_book_cancel_and_rebook(api):
    slot = free(api, facility_id=1, specialty_id="therapist")[0]["slot_id"]
    r = api.post(0, "/appointments", json={"slot_id": slot})
    assert r.status_code == 201, r.text
    appt = r.json()
    assert (
        appt["patient_id"] == api.patients[0] and appt["channel"] == "portal" and appt["status"] == "booked"
    )
    assert appt["appointment_id"] > 2**62  # ids the API mints have bit 62 set
    assert slot not in {s["slot_id"] for s in free(api, limit=1000)}

    taken = api.post(1, "/appointments", json={"slot_id": slot})
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]

    # another patient may not cancel it; its owner may, once
    assert api.post(1, f"/appointments/{appt['appointment_id']}/cancel").status_code == 403
    r = api.post(0, f"/appointments/{appt['appointment_id']}/cancel", json={"reason": "feel better"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api.post(0, f"/appointments/{appt['appointment_id']}/cancel").status_code == 409

    r = api.post(1, "/appointments", json={"slot_id": slot})
    assert r.status_code == 201
    mine = api.get(1, "/appointments").json()
    assert [a["slot_id"] for a in mine] == [slot]


def test_reschedule_moves_the_booking(api):
    a, b, c = (s["slot_id"] for s in free(api, facility_id=1, specialty_id="therapist")[:3])
    appt = api.post(2, "/appointments", json={"slot_id": a}).json()
    api.post(3, "/appointments", json={"slot_id": b})
    assert (
        api.post(2, f"/appointments/{appt['appointment_id']}/reschedule", json={"slot_id": b}).status_code
        == 409
    )
    r = api.post(2, f"/appointments/{appt['appointment_id']}/reschedule", json={"slot_id": c})
    assert r.status_code == 201, r.text
    assert r.json()["slot_id"] == c
    statuses = {x["slot_id"]: x["status"] for x in api.get(2, "/appointments").json()}
    assert statuses == {a: "cancelled", c: "booked"}
    assert a in {s["slot_id"] for s in free(api, limit=1000)}
    cardio = free(api, facility_id=1, specialty_id="cardiologist")[0]["slot_id"]
    r = api.post(2, f"/appointments/{r.json()['appointment_id']}/reschedule", json={"slot_id": cardio})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "slot_id"]


def test_registry_books_at_its_own_facility_only(api):
    own = free(api, facility_id=1)[0]["slot_id"]
    other = free(api, facility_id=2)[0]["slot_id"]
    patient = api.patients[50]
    r = api.post("registry1", "/appointments", json={"slot_id": own, "patient_id": patient})
    assert r.status_code == 201 and r.json()["channel"] == "registry_desk"
    r = api.post("registry1", "/appointments", json={"slot_id": other, "patient_id": patient})
    assert r.status_code == 403
    assert other in {s["slot_id"] for s in free(api, facility_id=2)}  # the refusal booked nothing
    r = api.post("registry1", "/appointments", json={"slot_id": own + 1})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "patient_id"]
    assert (
        api.post("pharmacist", "/appointments", json={"slot_id": own + 1, "patient_id": patient}).status_code
        == 403
    )


def test_registry_publishes_slots_of_its_own_doctors(api):
    body = {"doctor_id": 10, "starts_at": "2099-01-05T09:00:00", "duration_min": 15}
    r = api.post("registry1", "/slots", json=body)
    assert r.status_code == 201 and r.json()["slot_id"] > 2**62 and r.json()["specialty_id"] == "therapist"
    assert api.post("registry2", "/slots", json=body).status_code == 403
    r = api.post("registry1", "/slots", json={**body, "starts_at": "2001-01-01T09:00:00"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "starts_at"]


def test_attendance_and_no_show(api):
    s1, s2 = (s["slot_id"] for s in free(api, facility_id=1, specialty_id="therapist")[:2])
    a1 = api.post(4, "/appointments", json={"slot_id": s1}).json()["appointment_id"]
    a2 = api.post(4, "/appointments", json={"slot_id": s2}).json()["appointment_id"]
    assert (
        api.post("registry2", f"/appointments/{a1}/attendance", json={"attended": False}).status_code == 403
    )
    assert api.post(4, f"/appointments/{a1}/attendance", json={"attended": False}).status_code == 403
    r = api.post("registry1", f"/appointments/{a1}/attendance", json={"attended": False})
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    assert (
        api.post("doctor1", f"/appointments/{a2}/attendance", json={"attended": True}).json()["status"]
        == "attended"
    )
    assert api.post("doctor1", f"/appointments/{a2}/attendance", json={"attended": True}).status_code == 409
