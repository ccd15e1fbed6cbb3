"""Seed the service's directory from a simulated city's landing folder, so a demo has real data.

Loads facilities, specialties, doctors (current posts), hospitals and their departments (every dated
row: the beds of a day are those of the rows valid that day), patients and the slots published for days from
`from_date` on (default: the city's today, the day after the landing's last day of published slots: a
simulated city's future, whatever the calendar says). The rows keep the simulator's ids (all below 2**62,
so they never meet ids the API mints). Seeding writes nothing to the outbox: these rows reached the
warehouse through the simulator's own files already. A slot the simulator booked (and did not cancel) is
seeded as booked, so the API never offers it twice; the simulator's appointments themselves are not
loaded. Seeding twice adds only what is new.

A demo over a simulated past books those slots only when the service's clock reads the city's today:
`EMIAS_API_CLOCK_START` (the report says so when it does not).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from services.api.db import make_engine, upgrade
from services.api.models import Doctor, Facility, Hospital, HospitalDepartment, Patient, Slot, Specialty
from services.api.outbox import moscow_now
from services.contract.landing import landed_days, reference_dir, transaction_dir

BATCH = 5000
OPENING_TIME = dt.time(8)  # a demo clock starts the city's today when clinics open


@dataclass(frozen=True)
class SeedReport:
    """What a seed did. `read`: rows read per table; `added`: of those, rows new to the store.

    `slots_from`: the first day of slots loaded; `first_slot` / `last_slot`: the loaded slots' earliest and
    latest start (None without slots); `free_slots`: loaded slots not booked in the simulation;
    `bookable_slots`: free ones that start after the service's clock (only those can be booked);
    `landed`: the first and last day of published slots in the landing (None when none landed).
    """

    read: dict[str, int]
    added: dict[str, int]
    slots_from: dt.date
    first_slot: dt.datetime | None
    last_slot: dt.datetime | None
    free_slots: int
    bookable_slots: int
    landed: tuple[dt.date, dt.date] | None

    @property
    def city_clock(self) -> dt.datetime:
        """The service's clock a demo over this city should start from (its today, at opening time)."""
        return dt.datetime.combine(self.slots_from, OPENING_TIME)


def city_today(landing: Path) -> dt.date | None:
    """The day after the landing's last day of published slots: where a simulated city's future begins."""
    days = landed_days(landing, "slot_published")
    return days[-1] + dt.timedelta(days=1) if days else None


def _parquet_rows(files: list[Path], columns: list[str]) -> Iterator[dict]:
    for f in sorted(files):
        for batch in pq.ParquetFile(f).iter_batches(batch_size=BATCH, columns=columns):
            yield from batch.to_pylist()


def _reference(landing: Path, table: str, columns: list[str], key) -> dict:
    """A reference snapshot keyed by `key`; where parts repeat a key, the later file wins."""
    files = [p for p in reference_dir(landing, table).glob("*.parquet") if p.is_file()]
    return {key(r): r for r in _parquet_rows(files, columns)}


# Reference rows a later snapshot may change under the same key: a dated department row is closed (its
# valid_to set) when its beds or profile change, so a seed over a newer landing updates them.
UPDATED_ON_RESEED = {HospitalDepartment: ("valid_to", "beds", "bed_profile", "name", "hospital_id")}


def _insert_new(engine: Engine, model, rows: list[dict]) -> int:
    """Insert rows whose primary key is not there yet (for a model of UPDATED_ON_RESEED, update the
    changeable columns of those that are); returns how many were new."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[engine.dialect.name]
    count = select(func.count()).select_from(model)
    statement = dialect.insert(model)
    if model in UPDATED_ON_RESEED:
        keys = [c.name for c in model.__table__.primary_key]
        changed = {c: statement.excluded[c] for c in UPDATED_ON_RESEED[model]}
        statement = statement.on_conflict_do_update(index_elements=keys, set_=changed)
    else:
        statement = statement.on_conflict_do_nothing()
    with engine.begin() as conn:
        before = conn.execute(count).scalar_one()
        for i in range(0, len(rows), BATCH):
            conn.execute(statement, rows[i : i + BATCH])
        return conn.execute(count).scalar_one() - before


def _booked_in_simulation(landing: Path, since: dt.date) -> set[int]:
    """Slots the simulator booked (and did not cancel): the API must not offer them again."""

    def columns(table: str, names: list[str]) -> dict[str, np.ndarray]:
        files = [
            f
            for day in landed_days(landing, table)
            if day >= since
            for f in transaction_dir(landing, table, day).glob("*.parquet")
        ]
        parts = [pq.read_table(f, columns=names) for f in files]
        return {
            n: np.concatenate([p.column(n).to_numpy() for p in parts]) if parts else np.empty(0, np.int64)
            for n in names
        }

    booked = columns("appointment_booked", ["slot_id", "appointment_id"])
    cancelled = columns("appointment_cancelled", ["appointment_id"])["appointment_id"]
    kept = ~np.isin(booked["appointment_id"], cancelled)
    return set(booked["slot_id"][kept].tolist())


def seed_from_landing(landing: Path, db_url: str, from_date: dt.date | None = None) -> SeedReport:
    """Load a landing folder's directory, patients and slots from `from_date` on into the store at `db_url`.

    `from_date` defaults to the city's today (`city_today`), or the service's today when no slot landed.
    Rows already in the store are skipped (counted in `read`, not in `added`).
    """
    landing = Path(landing)
    from_date = from_date or city_today(landing) or moscow_now().date()
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        facilities = _reference(
            landing,
            "facilities",
            ["facility_id", "name", "kind", "parent_facility_id", "okrug_id", "district_id"],
            lambda r: r["facility_id"],
        )
        specialties = _reference(
            landing,
            "specialties",
            ["specialty_id", "name_en", "name_ru", "minutes_norm", "wait_standard", "wait_standard_unit"]
            + ["is_primary_care"],
            lambda r: r["specialty_id"],
        )
        posts = _reference(
            landing,
            "doctors",
            ["doctor_id", "facility_id", "specialty_id", "rate", "valid_from", "valid_to"],
            lambda r: (r["doctor_id"], r["valid_from"]),
        )
        doctors: dict[int, dict] = {}
        for post in sorted(posts.values(), key=lambda r: r["valid_from"]):
            lasts = post["valid_to"] is None or post["valid_to"] >= from_date
            if lasts and post["facility_id"] in facilities and post["specialty_id"] in specialties:
                doctors[post["doctor_id"]] = {
                    k: post[k] for k in ("doctor_id", "facility_id", "specialty_id", "rate")
                }
        hospitals = _reference(
            landing,
            "hospitals",
            ["hospital_id", "name", "kind", "okrug_id", "district_id"],
            lambda r: r["hospital_id"],
        )
        departments = _reference(
            landing,
            "hospital_departments",
            ["department_id", "valid_from", "valid_to", "hospital_id", "name", "bed_profile", "beds"],
            lambda r: (r["department_id"], r["valid_from"]),
        )
        patients = _reference(
            landing,
            "patients",
            [
                "patient_id",
                "sex",
                "birth_month",
                "district_id",
                "attached_facility_id",
                "insurance",
                "death_date",
            ],
            lambda r: r["patient_id"],
        )
        start = dt.datetime.combine(from_date, dt.time())
        slot_files = [
            f
            for day in landed_days(landing, "slot_published")
            if day >= from_date - dt.timedelta(days=62)  # slots are published weeks ahead of their day
            for f in transaction_dir(landing, "slot_published", day).glob("*.parquet")
        ]
        slot_columns = ["slot_id", "doctor_id", "facility_id", "specialty_id", "starts_at", "duration_min"]
        slots = [
            s
            for s in _parquet_rows(slot_files, [*slot_columns, "is_urgent_reserve", "occurred_at"])
            if s["starts_at"] >= start and s["doctor_id"] in doctors
        ]
        taken = _booked_in_simulation(landing, from_date - dt.timedelta(days=62))
        for s in slots:
            s["is_booked"] = s["slot_id"] in taken
            s["published_at"] = s.pop("occurred_at")
        rows = {
            "facilities": (Facility, list(facilities.values())),
            "specialties": (Specialty, list(specialties.values())),
            "doctors": (Doctor, list(doctors.values())),
            "hospitals": (Hospital, list(hospitals.values())),
            "hospital_departments": (
                HospitalDepartment,
                [d for d in departments.values() if d["hospital_id"] in hospitals],
            ),
            "patients": (Patient, list(patients.values())),
            "slots": (Slot, slots),
        }
        added = {name: _insert_new(engine, model, batch) for name, (model, batch) in rows.items()}
    finally:
        engine.dispose()
    landed = landed_days(landing, "slot_published")
    starts = [s["starts_at"] for s in slots]
    now = moscow_now()
    return SeedReport(
        read={name: len(batch) for name, (_, batch) in rows.items()},
        added=added,
        slots_from=from_date,
        first_slot=min(starts, default=None),
        last_slot=max(starts, default=None),
        free_slots=sum(not s["is_booked"] for s in slots),
        bookable_slots=sum(not s["is_booked"] and s["starts_at"] > now for s in slots),
        landed=(landed[0], landed[-1]) if landed else None,
    )
