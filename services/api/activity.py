"""Drive a day of clinic activity through the HTTP API, for demos and end-to-end tests.

Registry staff book free slots for patients, and some bookings are cancelled; then the day plays out, the
service's clock moved on to each slot's start: some appointments are missed, the rest become visits that
doctors close with diagnoses, some with an e-prescription (then dispensed) or a referral. Everything
goes through the real routes (in-process, via Starlette's test client), so the outbox fills exactly as it
would in production. Needs a seeded store (`seed_from_landing`).
"""

from __future__ import annotations

import datetime as dt
import random
import warnings
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.api.db import session_factory
from services.api.main import API_PREFIX, create_app
from services.api.models import Doctor, Patient, Slot
from services.api.outbox import moscow_now, set_clock
from services.api.security import issue_token
from services.api.seed import OPENING_TIME
from services.api.settings import Settings

with warnings.catch_warnings():  # Starlette would rather its test client ran on a newer httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ICD10 = ("I10", "E11.9", "J06.9", "M54.5", "K29.7", "J45.9", "I25.1", "N39.0")
ATC = ("C09AA05", "A10BA02", "J01CA04", "M01AE01", "R03AC02", "C10AA05")


class NothingToDo(ValueError):
    """The store has nothing to drive activity on: no patients, or no free slot after the service's clock."""


def _why_no_free_slot(session: Session) -> str:
    now = moscow_now()
    first, last = session.execute(select(func.min(Slot.starts_at), func.max(Slot.starts_at))).one()
    if first is None:
        return "the store has no slots: run `emias api seed` first"
    free = select(func.min(Slot.starts_at)).where(Slot.is_booked.is_(False))
    earliest_free = session.execute(free).scalar_one()
    advice = "every slot is booked: seed later ones (`emias api seed --from YYYY-MM-DD`)"
    if earliest_free is not None:  # free slots, all in the service's past: a demo over a simulated past
        clock = dt.datetime.combine(earliest_free.date(), OPENING_TIME)
        advice = f"start the service's clock before them: export EMIAS_API_CLOCK_START={clock:%Y-%m-%dT%H:%M}"
    return (
        f"no free slot starts after the service's clock ({now:%Y-%m-%d %H:%M}); the store's slots run from "
        f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}: {advice}"
    )


def drive_activity(
    db_url: str, bookings: int = 100, seed: int = 0, settings: Settings | None = None
) -> Counter:
    """Run up to `bookings` bookings and what follows them; returns the outbox rows written, by table.

    Raises NothingToDo when the store has no living patient or no free slot after the service's clock.
    """
    settings = settings or Settings()
    settings.api_db_url = db_url
    rng = random.Random(seed)
    app = create_app(settings)
    written: Counter = Counter()
    try:
        with session_factory(app.state.engine)() as s:
            patients = s.scalars(
                select(Patient.patient_id).where(Patient.death_date.is_(None)).limit(5000)
            ).all()
            if not patients:
                raise NothingToDo("the store has no patients: run `emias api seed` first")
            free = select(Slot.slot_id).where(Slot.is_booked.is_(False), Slot.starts_at > moscow_now())
            if s.scalar(free.limit(1)) is None:
                raise NothingToDo(_why_no_free_slot(s))
            doctors = {d.doctor_id: d.facility_id for d in s.scalars(select(Doctor))}
            admin = issue_token(s, "admin", label="activity driver")
            pharmacist = issue_token(s, "pharmacist", pharmacy_id=1, label="activity driver")
            registry = {
                f: issue_token(s, "registry", facility_id=f, label="activity driver")
                for f in set(doctors.values())
            }
            doctor = {d: issue_token(s, "doctor", doctor_id=d, label="activity driver") for d in doctors}
            s.commit()

        with TestClient(app) as client:

            def call(token: str, method: str, path: str, body=None):
                r = client.request(
                    method, API_PREFIX + path, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                return r.status_code, r.json()

            _, slots = call(admin, "GET", f"/slots?limit={min(1000, bookings * 3)}")
            rng.shuffle(slots)
            booked = []
            for slot in slots[:bookings]:
                desk = registry[slot["facility_id"]]
                status, appt = call(
                    desk,
                    "POST",
                    "/appointments",
                    {"slot_id": slot["slot_id"], "patient_id": rng.choice(patients)},
                )
                if status != 201:
                    continue  # taken meanwhile
                written["appointment_booked"] += 1
                if rng.random() < 0.08:
                    call(
                        desk,
                        "POST",
                        f"/appointments/{appt['appointment_id']}/cancel",
                        {"reason": "patient_request"},
                    )
                    written["appointment_cancelled"] += 1
                else:
                    booked.append((slot, appt))
            # then the day plays out: each appointment's outcome when its slot's time comes (the contract
            # refuses an outcome recorded before its slot), the service's clock moved on to it
            for slot, appt in sorted(booked, key=lambda b: (b[0]["starts_at"], b[0]["slot_id"])):
                set_clock(dt.datetime.fromisoformat(slot["starts_at"]))
                visit(call, rng, written, slot, appt, registry[slot["facility_id"]], doctor, pharmacist)
    finally:
        set_clock(settings.api_clock_start)  # the clock the service started with
        app.state.engine.dispose()
    return written


def visit(call, rng: random.Random, written: Counter, slot: dict, appt: dict, desk: str, doctor, pharmacist):
    """One booked appointment's outcome: missed, or a visit closed with diagnoses, perhaps an
    e-prescription (then dispensed) and a referral; what it wrote counted in `written`."""
    appointment_id = appt["appointment_id"]
    if rng.random() < 0.075:  # of the bookings not cancelled, as before: 7% of all bookings missed
        call(desk, "POST", f"/appointments/{appointment_id}/attendance", {"attended": False})
        written["appointment_no_show"] += 1
        return
    doc = doctor[slot["doctor_id"]]
    _, enc = call(
        doc, "POST", "/encounters", {"patient_id": appt["patient_id"], "appointment_id": appointment_id}
    )
    written["appointment_attended"] += 1
    codes = rng.sample(ICD10, rng.choice((1, 1, 2)))
    diagnoses = [
        {"icd10_code": c, "is_primary": i == 0, "diagnosis_kind": rng.choice(("first_time", "known"))}
        for i, c in enumerate(codes)
    ]
    call(doc, "POST", f"/encounters/{enc['encounter_id']}/close", {"diagnoses": diagnoses})
    written["encounter_closed"] += 1
    written["diagnosis_recorded"] += len(diagnoses)
    if rng.random() < 0.35:
        body = {
            "encounter_id": enc["encounter_id"],
            "atc_code": rng.choice(ATC),
            "quantity": rng.randint(1, 3),
            "days_supply": rng.choice((10, 30, 90)),
            "benefit_category": rng.choice(("none", "none", "regional", "federal")),
        }
        _, rx = call(doc, "POST", "/prescriptions", body)
        written["prescription_issued"] += 1
        if rng.random() < 0.7:
            call(pharmacist, "POST", f"/prescriptions/{rx['prescription_id']}/dispense")
            written["prescription_dispensed"] += 1
    if rng.random() < 0.1:
        call(
            doc,
            "POST",
            "/referrals",
            {"encounter_id": enc["encounter_id"], "to_specialty_id": slot["specialty_id"]},
        )
        written["referral_issued"] += 1
