"""Fixtures for the API tests: a small city's landing folder, and the API on SQLite or PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from services.api.db import make_engine, session_factory
from services.api.main import create_app
from services.api.outbox import moscow_now, set_clock
from services.api.security import issue_token, pseudonym
from services.api.seed import seed_from_landing
from services.api.settings import Settings
from services.contract import arrow_schema, table
from services.contract.landing import reference_dir, transaction_dir

KEY = "test-pseudonym-key"
N_PATIENTS = 120


def write(path: Path, table_name: str, rows: list[dict]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=arrow_schema(table(table_name))), path / "part-0.parquet"
    )


def patient_ids() -> list[str]:
    return [pseudonym(KEY, f"sim:{i}") for i in range(N_PATIENTS)]


def write_hospitals(root: Path, today: dt.date) -> None:
    """Two hospitals. Hospital 1: therapeutic department 101 (10 beds); cardiology 102, whose beds went
    from 5 to 8 today (two dated rows); surgical 103, closed in 2021. Hospital 2: therapeutic 201 (20)."""
    write(
        reference_dir(root, "hospitals"),
        "hospitals",
        [
            dict(hospital_id=1, name="City Hospital 1", kind="multi_profile", okrug_id="CAO", district_id=1),
            dict(hospital_id=2, name="City Hospital 2", kind="multi_profile", okrug_id="SAO", district_id=2),
        ],
    )
    long_ago = dt.date(2020, 1, 1)
    yesterday = today - dt.timedelta(days=1)
    write(
        reference_dir(root, "hospital_departments"),
        "hospital_departments",
        [
            dict(department_id=department_id, hospital_id=hospital_id, name=name, bed_profile=profile,
                 beds=beds, valid_from=start, valid_to=end)
            for department_id, hospital_id, name, profile, beds, start, end in (
                (101, 1, "Therapy", "therapeutic", 10, long_ago, None),
                (102, 1, "Cardiology", "cardiology", 5, long_ago, yesterday),
                (102, 1, "Cardiology", "cardiology", 8, today, None),
                (103, 1, "Surgery", "surgical", 30, long_ago, dt.date(2021, 1, 1)),
                (201, 2, "Therapy", "therapeutic", 20, long_ago, None),
            )
        ],
    )  # fmt: skip


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    """Two facilities, two specialties, four doctors, 120 patients, slots from tomorrow (and a past one)."""
    root = tmp_path_factory.mktemp("landing")
    today = moscow_now().date()
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(8))
    write(
        reference_dir(root, "facilities"),
        "facilities",
        [
            dict(
                facility_id=1,
                name="GP 1",
                kind="adult_polyclinic",
                parent_facility_id=None,
                okrug_id="CAO",
                district_id=1,
            ),
            dict(
                facility_id=2,
                name="GP 2",
                kind="adult_polyclinic",
                parent_facility_id=None,
                okrug_id="SAO",
                district_id=2,
            ),
        ],
    )
    write(
        reference_dir(root, "specialties"),
        "specialties",
        [
            dict(
                specialty_id="therapist",
                name_en="Therapist",
                name_ru="Терапевт",
                minutes_norm=15,
                wait_standard=24,
                wait_standard_unit="hours",
                is_primary_care=True,
            ),
            dict(
                specialty_id="cardiologist",
                name_en="Cardiologist",
                name_ru="Кардиолог",
                minutes_norm=20,
                wait_standard=14,
                wait_standard_unit="working_days",
                is_primary_care=False,
            ),
        ],
    )
    long_ago = dt.date(2020, 1, 1)
    write(
        reference_dir(root, "doctors"),
        "doctors",
        [
            dict(
                doctor_id=10,
                facility_id=1,
                specialty_id="therapist",
                rate=1.0,
                valid_from=long_ago,
                valid_to=None,
            ),
            dict(
                doctor_id=11,
                facility_id=1,
                specialty_id="cardiologist",
                rate=1.0,
                valid_from=long_ago,
                valid_to=None,
            ),
            dict(
                doctor_id=20,
                facility_id=2,
                specialty_id="therapist",
                rate=1.0,
                valid_from=long_ago,
                valid_to=None,
            ),
            # moved from facility 1 to 2: only the lasting post is loaded
            dict(
                doctor_id=21,
                facility_id=1,
                specialty_id="cardiologist",
                rate=0.5,
                valid_from=long_ago,
                valid_to=dt.date(2021, 1, 1),
            ),
            dict(
                doctor_id=21,
                facility_id=2,
                specialty_id="cardiologist",
                rate=1.0,
                valid_from=dt.date(2021, 1, 2),
                valid_to=None,
            ),
        ],
    )
    write_hospitals(root, today)
    write(
        reference_dir(root, "patients"),
        "patients",
        [
            dict(
                patient_id=pid,
                sex="MF"[i % 2],
                birth_month=dt.date(1950 + i % 50, 1 + i % 12, 1),
                district_id=1 + i % 2,
                attached_facility_id=1 + i % 2,
                insurance="OMS",
                death_date=None,
            )
            for i, pid in enumerate(patient_ids())
        ],
    )
    slots, slot_id = [], 1
    for doctor_id, facility_id, specialty_id, n in (
        (10, 1, "therapist", 40),
        (11, 1, "cardiologist", 10),
        (20, 2, "therapist", 20),
        (21, 2, "cardiologist", 10),
    ):
        for k in range(n):
            slots.append(
                dict(
                    event_id=1000 + slot_id,
                    occurred_at=tomorrow - dt.timedelta(days=2),
                    slot_id=slot_id,
                    doctor_id=doctor_id,
                    facility_id=facility_id,
                    specialty_id=specialty_id,
                    starts_at=tomorrow + dt.timedelta(minutes=15 * k),
                    duration_min=15,
                    is_urgent_reserve=False,
                )
            )
            slot_id += 1
    write(transaction_dir(root, "slot_published", today - dt.timedelta(days=1)), "slot_published", slots)
    # the simulator booked slot 80 (kept) and slot 79 (then cancelled)
    booked_at = tomorrow - dt.timedelta(days=1)
    write(
        transaction_dir(root, "appointment_booked", today - dt.timedelta(days=1)),
        "appointment_booked",
        [
            dict(
                event_id=5000 + i,
                occurred_at=booked_at,
                appointment_id=9000 + i,
                slot_id=slot,
                patient_id=patient_ids()[i],
                channel="portal",
                referral_id=None,
            )
            for i, slot in enumerate((80, 79))
        ],
    )
    write(
        transaction_dir(root, "appointment_cancelled", today - dt.timedelta(days=1)),
        "appointment_cancelled",
        [
            dict(
                event_id=6000, occurred_at=booked_at, appointment_id=9001, cancelled_by="patient", reason=None
            )
        ],
    )
    past = [dict(slots[0], event_id=999, slot_id=999, starts_at=tomorrow - dt.timedelta(days=3))]
    write(transaction_dir(root, "slot_published", today - dt.timedelta(days=4)), "slot_published", past)
    return root


@contextmanager
def clock_at(moment: dt.datetime | str):
    """The service's clock reads `moment` (and runs on) inside the block: an outcome is recorded when its
    slot's time has come (the contract refuses one recorded hours before its slot)."""
    set_clock(dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment)
    try:
        yield
    finally:
        set_clock(None)


def pg_url(dbname: str) -> str:
    user, host, port = os.environ["PGUSER"], os.environ["PGHOST"], os.environ["PGPORT"]
    password = os.environ.get("PGPASSWORD", "")
    auth = f"{user}:{password}" if password else user
    return f"postgresql+psycopg://{auth}@{host}:{port}/{dbname}"


@dataclass
class Api:
    """A seeded API and tokens for every role."""

    client: TestClient
    db_url: str
    app: object
    tokens: dict[str, str] = field(default_factory=dict)
    patients: list[str] = field(default_factory=list)
    patient_tokens: list[str] = field(default_factory=list)

    def headers(self, who: str | int) -> dict[str, str]:
        token = self.patient_tokens[who] if isinstance(who, int) else self.tokens[who]
        return {"Authorization": f"Bearer {token}"}

    def post(self, who, url, **kw):
        return self.client.post(f"/api/v1{url}", headers=self.headers(who), **kw)

    def get(self, who, url, **kw):
        return self.client.get(f"/api/v1{url}", headers=self.headers(who), **kw)


@dataclass
class Template:
    """A migrated, seeded store with tokens issued, copied for each test (much cheaper than seeding)."""

    db_url: str
    tokens: dict[str, str]
    patient_tokens: list[str]


def prepare_template(db_url: str, landing: Path) -> Template:
    seed_from_landing(landing, db_url)  # migrates first
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        tokens = {
            "admin": issue_token(s, "admin"),
            "registry1": issue_token(s, "registry", facility_id=1),
            "registry2": issue_token(s, "registry", facility_id=2),
            "doctor1": issue_token(s, "doctor", doctor_id=10),
            "cardio1": issue_token(s, "doctor", doctor_id=11),
            "doctor2": issue_token(s, "doctor", doctor_id=20),
            "pharmacist": issue_token(s, "pharmacist", pharmacy_id=7),
            "hospital1": issue_token(s, "hospital", hospital_id=1),
            "hospital2": issue_token(s, "hospital", hospital_id=2),
        }
        patient_tokens = [issue_token(s, "patient", patient_id=p) for p in patient_ids()[:100]]
        s.commit()
    engine.dispose()
    return Template(db_url, tokens, patient_tokens)


@contextmanager
def fresh_postgres_database(template: str | None = None):
    """A new database on the test server (empty, or a copy of `template`), dropped afterwards."""
    import psycopg

    name = f"emias_api_{uuid.uuid4().hex[:10]}"
    copy = f' template "{template}"' if template else ""
    with psycopg.connect(dbname=os.environ.get("PGDATABASE") or "postgres", autocommit=True) as admin:
        admin.execute(f'create database "{name}"{copy}')
        try:
            yield name
        finally:
            admin.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def sqlite_template(landing, tmp_path_factory) -> Template:
    return prepare_template(f"sqlite:///{tmp_path_factory.mktemp('template') / 'api.sqlite'}", landing)


@pytest.fixture(scope="session")
def postgres_template(landing, postgres_env):
    with fresh_postgres_database() as name:
        yield prepare_template(pg_url(name), landing)


@contextmanager
def seeded_api(template: Template, tmp_path: Path):
    """The API on a copy of a template store, with a TestClient."""
    with ExitStack() as stack:
        if template.db_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / 'api.sqlite'}"
            shutil.copy(make_url(template.db_url).database, make_url(url).database)
        else:
            url = pg_url(stack.enter_context(fresh_postgres_database(make_url(template.db_url).database)))
        app = create_app(Settings(api_db_url=url, pseudonym_key=KEY, migrate_on_startup=False))
        api = Api(TestClient(app), url, app, template.tokens, patient_ids(), template.patient_tokens)
        try:
            with api.client:
                yield api
        finally:
            app.state.engine.dispose()


def template_for(request, backend: str) -> Template:
    # Requesting PostgreSQL fails loudly without a server (postgres_env), never skips.
    return request.getfixturevalue(f"{backend}_template")


@pytest.fixture(params=["sqlite", "postgres"])
def api(request, tmp_path):
    """The API on a seeded store of its own, once on SQLite and once on PostgreSQL."""
    with seeded_api(template_for(request, request.param), tmp_path) as api:
        yield api


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_api(request, tmp_path_factory):
    """Like `api` but shared by a module's tests: for tests that only read or are refused."""
    with seeded_api(template_for(request, request.param), tmp_path_factory.mktemp("api")) as api:
        yield api


@pytest.fixture
def make_api(request, tmp_path):
    """A context manager factory: `with make_api("postgres") as api: ...`."""
    return lambda backend: seeded_api(template_for(request, backend), tmp_path)


@pytest.fixture
def postgres_url(postgres_database) -> str:
    """The SQLAlchemy URL of a fresh, empty PostgreSQL database."""
    return pg_url(postgres_database)
