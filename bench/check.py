"""The contract's executor per request (on demand, not in CI): what checking a row costs the API.

    .venv/bin/python bench/check.py --repeat 300 --bookings 200

1. `services.contract.check.check` alone, on the rows the API checks: one row and its context rows (a
   booking with its patient and slot, a patient registered, a no-show with its booking and slot, a slot
   with the doctor's slots around it).
2. The API in-process on a SQLite store: bookings through the real route, and the time spent in the
   contract check (`services.api.rules.enforce`: the context fetched from the store, then the executor)
   beside the whole request.
Reports medians and 90th percentiles in milliseconds of wall time (the machine's load shows in them) and,
for the executor, the median CPU time of the calling thread (DuckDB runs a check on that thread).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.contract.check import check  # noqa: E402

PATIENT = "0123456789abcdef"
T = dt.datetime(2026, 11, 25, 10, 0)
BOOKING = dict(event_id=1, occurred_at=T, appointment_id=5, slot_id=7, patient_id=PATIENT, channel="portal",
               referral_id=None)  # fmt: skip
PATIENT_ROW = dict(patient_id=PATIENT, sex="F", birth_month=dt.date(1980, 3, 1), district_id=1,
                   attached_facility_id=None, insurance="OMS", death_date=None)  # fmt: skip
SLOT = dict(event_id=3, occurred_at=T - dt.timedelta(days=3), slot_id=7, doctor_id=1, facility_id=1,
            specialty_id="therapist", starts_at=T + dt.timedelta(days=1), duration_min=15,
            is_urgent_reserve=False)  # fmt: skip
CASES = {
    "appointment_booked (patient, slot)": (
        "appointment_booked",
        [BOOKING],
        {"appointment_booked": [], "patients": [PATIENT_ROW], "slot_published": [SLOT]},
    ),
    "patients (the id held already?)": ("patients", [PATIENT_ROW], {"patients": []}),
    "appointment_no_show (booking, then slot)": (
        "appointment_no_show",
        [dict(event_id=9, occurred_at=T + dt.timedelta(days=1), appointment_id=5)],
        {"appointment_no_show": [], "appointment_booked": [BOOKING], "slot_published": [SLOT]},
    ),
    "slot_published (20 slots around it)": (
        "slot_published",
        [dict(SLOT, event_id=99, slot_id=99, starts_at=SLOT["starts_at"] + dt.timedelta(hours=6))],
        {
            "slot_published": [
                dict(SLOT, slot_id=i, starts_at=SLOT["starts_at"] + i * dt.timedelta(minutes=15))
                for i in range(20)
            ]
        },
    ),  # fmt: skip
}


def summary(ms: list[float]) -> str:
    p90 = statistics.quantiles(ms, n=10)[-1] if len(ms) > 1 else ms[0]
    return f"median {statistics.median(ms):6.2f} ms   p90 {p90:6.2f} ms"


def time_executor(repeat: int) -> None:
    print(f"The executor alone ({repeat} calls each):")
    for label, (table, rows, context) in CASES.items():
        assert check(table, rows, context) == [], label  # every case is a good row: the common answer
        ms, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.thread_time()
            check(table, rows, context)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            ms.append((time.perf_counter() - start) * 1000)
        print(f"  {label:42} {summary(ms)}   CPU median {statistics.median(cpu):5.2f} ms")


def seed(db_url: str, patients: int, slots: int) -> tuple[list[str], list[int]]:
    from sqlalchemy import insert

    from services.api.db import make_engine, session_factory, upgrade
    from services.api.models import Doctor, Facility, Patient, Slot, Specialty
    from services.api.security import issue_token, pseudonym

    upgrade(db_url)
    engine = make_engine(db_url)
    start = dt.datetime.combine(dt.date.today() + dt.timedelta(days=2), dt.time(8))
    published = start - dt.timedelta(days=3)
    with session_factory(engine)() as s:
        s.add(
            Facility(facility_id=1, name="Bench GP", kind="adult_polyclinic", okrug_id="CAO", district_id=1)
        )
        s.add(Specialty(specialty_id="therapist", name_en="Therapist", name_ru="Терапевт", minutes_norm=15,
                        wait_standard=24, wait_standard_unit="hours", is_primary_care=True))  # fmt: skip
        s.flush()
        s.add_all(Doctor(doctor_id=d, facility_id=1, specialty_id="therapist") for d in range(1, 51))
        ids = [pseudonym("bench", f"p{i}") for i in range(patients)]
        s.add_all(
            Patient(patient_id=p, sex="F", birth_month=dt.date(1970, 1, 1), district_id=1, insurance="OMS")
            for p in ids
        )
        s.flush()
        rows = [dict(slot_id=i, doctor_id=1 + i % 50, facility_id=1, specialty_id="therapist",
                     starts_at=start + dt.timedelta(minutes=15 * (i // 50)), duration_min=15,
                     is_urgent_reserve=False, is_booked=False, published_at=published)
                for i in range(1, slots + 1)]  # fmt: skip
        s.execute(insert(Slot), rows)
        tokens = [issue_token(s, "patient", patient_id=p) for p in ids]
        s.commit()
    engine.dispose()
    return tokens, [r["slot_id"] for r in rows]


def time_api(bookings: int) -> None:
    import services.api.outbox as outbox
    from services.api.main import create_app
    from services.api.settings import Settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    spent: list[float] = []
    enforce = outbox.enforce

    def timed(*args, **kw):
        start = time.perf_counter()
        try:
            return enforce(*args, **kw)
        finally:
            spent.append((time.perf_counter() - start) * 1000)

    outbox.enforce = timed
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        tokens, slots = seed(url, patients=50, slots=bookings)
        app = create_app(
            Settings(api_db_url=url, pseudonym_key="bench-pseudonym-key", migrate_on_startup=False)
        )
        requests = []
        with TestClient(app) as client:
            for i, slot in enumerate(slots):
                headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
                start = time.perf_counter()
                r = client.post("/api/v1/appointments", json={"slot_id": slot}, headers=headers)
                requests.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 201, r.text
        app.state.engine.dispose()
    outbox.enforce = enforce
    share = statistics.median(spent) / statistics.median(requests)
    print(f"The API on SQLite, in-process ({bookings} bookings):")
    print(f"  {'POST /appointments, whole request':42} {summary(requests)}")
    print(f"  {'  of which the contract check':42} {summary(spent)}   ({share:.0%} of the median request)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="calls of the executor per case")
    parser.add_argument("--bookings", type=int, default=200, help="bookings through the API")
    args = parser.parse_args()
    check(*CASES["patients (the id held already?)"][:2])  # the first call opens the thread's DuckDB
    time_executor(args.repeat)
    time_api(args.bookings)


if __name__ == "__main__":
    main()
