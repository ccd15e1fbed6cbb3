"""Booking through the API: book, 409 on a taken slot, cancel, reschedule, registry staff, free slots."""

from __future__ import annotations

import datetime as dt

from tests.integration.api.conftest import clock_at


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
    s1, s2 = free(api, facility_id=1, specialty_id="therapist")[:2]
    a1 = api.post(4, "/appointments", json={"slot_id": s1["slot_id"]}).json()["appointment_id"]
    a2 = api.post(4, "/appointments", json={"slot_id": s2["slot_id"]}).json()["appointment_id"]
    with clock_at(dt.datetime.fromisoformat(s2["starts_at"]) + dt.timedelta(minutes=10)):
        assert (
            api.post("registry2", f"/appointments/{a1}/attendance", json={"attended": False}).status_code
            == 403
        )
        assert api.post(4, f"/appointments/{a1}/attendance", json={"attended": False}).status_code == 403
        r = api.post("registry1", f"/appointments/{a1}/attendance", json={"attended": False})
        assert r.status_code == 200 and r.json()["status"] == "no_show"
        r = api.post("doctor1", f"/appointments/{a2}/attendance", json={"attended": True})
        assert r.json()["status"] == "attended"
        assert (
            api.post("doctor1", f"/appointments/{a2}/attendance", json={"attended": True}).status_code == 409
        )


def test_a_no_show_before_its_slot_is_refused(api):
    """Issue 13: a no-show recorded days before its slot counted (a week's DNA rate from null to 1.0)."""
    starts = dt.datetime.combine(dt.date.today() + dt.timedelta(days=5), dt.time(10))
    slot = api.post(
        "registry1", "/slots", json={"doctor_id": 10, "starts_at": starts.isoformat(), "duration_min": 15}
    )
    booked = api.post(4, "/appointments", json={"slot_id": slot.json()["slot_id"]})
    appt = booked.json()["appointment_id"]

    def no_show():
        return api.post("registry1", f"/appointments/{appt}/attendance", json={"attended": False})

    for r in (no_show(), *_at(starts - dt.timedelta(minutes=61), no_show)):  # days before; an hour before
        assert r.status_code == 422, r.text
        [detail] = r.json()["detail"]
        assert detail["type"] == "outcomeAfterSlotStart"
        assert detail["loc"] == ["appointment_no_show", "occurred_at"]
        assert "is more than 60 minutes before slot_published.starts_at" in detail["msg"]
        # refused whole: the appointment is still booked
        assert api.get(4, f"/appointments/{appt}").json()["status"] == "booked"
    # an attendance (opening the visit) days early is refused the same way, under its own table
    r = api.post("doctor1", "/encounters", json={"patient_id": api.patients[4], "appointment_id": appt})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["appointment_attended", "occurred_at"]
    [r] = _at(starts + dt.timedelta(minutes=15), no_show)
    assert r.status_code == 200 and r.json()["status"] == "no_show"


def _at(moment: dt.datetime, call) -> list:
    with clock_at(moment):
        return [call()]


def test_overlapping_slots_of_one_doctor_are_refused(api):
    """Issue 13: the API accepted overlapping slots of one doctor, even on one day; across midnight too."""
    night = {"doctor_id": 10, "starts_at": "2099-01-05T23:50:00", "duration_min": 30}
    assert api.post("registry1", "/slots", json=night).status_code == 201
    for clash in ("2099-01-06T00:00:00", "2099-01-05T23:40:00", "2099-01-05T23:55:00"):
        r = api.post("registry1", "/slots", json={**night, "starts_at": clash, "duration_min": 15})
        assert r.status_code == 409, (clash, r.text)
        [detail] = r.json()["detail"]
        assert detail["type"] == "noOverlappingSlots" and detail["loc"] == ["body", "starts_at"]
        assert "overlaps slot_id" in detail["msg"] and "of the same doctor_id" in detail["msg"]
    # back to back, or another doctor at the same time: no overlap
    assert (
        api.post("registry1", "/slots", json={**night, "starts_at": "2099-01-06T00:20:00"}).status_code == 201
    )
    assert api.post("registry1", "/slots", json={**night, "doctor_id": 11}).status_code == 201
    # on one day, against a slot the city published (seeded from its files)
    seeded = free(api, doctor_id=10)[0]
    r = api.post("registry1", "/slots", json={**night, "starts_at": seeded["starts_at"], "duration_min": 15})
    assert r.status_code == 409 and r.json()["detail"][0]["type"] == "noOverlappingSlots"
    refused = {s["starts_at"] for s in free(api, doctor_id=10, limit=1000)}
    assert "2099-01-06T00:00:00" not in refused
