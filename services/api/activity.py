"""Drive a day of clinic activity through the HTTP API, for demos and end-to-end tests.

Registry staff book free slots for patients; some bookings are cancelled or missed; the rest become visits
that doctors close with diagnoses, some with an e-prescription (then dispensed) or a referral. Everything
goes through the real routes (in-process, via Starlette's test client), so the outbox fills exactly as it
would in production. Needs a seeded store (`seed_from_landing`).
"""

from __future__ import annotations

import random
import warnings
from collections import Counter

from sqlalchemy import select

from services.api.db import session_factory
from services.api.main import API_PREFIX, create_app
from services.api.models import Doctor, Patient
from services.api.security import issue_token
from services.api.settings import Settings

with warnings.catch_warnings():  # Starlette would rather its test client ran on a newer httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ICD10 = ("I10", "E11.9", "J06.9", "M54.5", "K29.7", "J45.9", "I25.1", "N39.0")
ATC = ("C09AA05", "A10BA02", "J01CA04", "M01AE01", "R03AC02", "C10AA05")


def drive_activity(
    db_url: str, bookings: int = 100, seed: int = 0, settings: Settings | None = None
) -> Counter:
    """Run up to `bookings` bookings and what follows them; returns the outbox rows written, by table."""
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
            doctors = {d.doctor_id: d.facility_id for d in s.scalars(select(Doctor))}
            admin = issue_token(s, "admin", label="activity driver")
            pharmacist = issue_token(s, "pharmacist", pharmacy_id=1, label="activity driver")
            registry = {
                f: issue_token(s, "registry", facility_id=f, label="activity driver")
                for f in set(doctors.values())
            }
            doctor = {d: issue_token(s, "doctor", doctor_id=d, label="activity driver") for d in doctors}
            s.commit()
        if not patients:
            raise ValueError("the store has no patients: seed it first")

        with TestClient(app) as client:

            def call(token: str, method: str, path: str, body=None):
                r = client.request(
                    method, API_PREFIX + path, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                return r.status_code, r.json()

            _, slots = call(admin, "GET", f"/slots?limit={min(1000, bookings * 3)}")
            rng.shuffle(slots)
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
                appointment_id, fate = appt["appointment_id"], rng.random()
                if fate < 0.08:
                    call(
                        desk, "POST", f"/appointments/{appointment_id}/cancel", {"reason": "patient_request"}
                    )
                    written["appointment_cancelled"] += 1
                    continue
                if fate < 0.15:
                    call(desk, "POST", f"/appointments/{appointment_id}/attendance", {"attended": False})
                    written["appointment_no_show"] += 1
                    continue
                doc = doctor[slot["doctor_id"]]
                _, enc = call(
                    doc,
                    "POST",
                    "/encounters",
                    {"patient_id": appt["patient_id"], "appointment_id": appointment_id},
                )
                written["appointment_attended"] += 1
                codes = rng.sample(ICD10, rng.choice((1, 1, 2)))
                diagnoses = [
                    {
                        "icd10_code": c,
                        "is_primary": i == 0,
                        "diagnosis_kind": rng.choice(("first_time", "known")),
                    }
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
    finally:
        app.state.engine.dispose()
    return written
