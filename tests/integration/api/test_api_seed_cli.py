"""Seeding from a landing folder, the embedded SQLite default, migrations and the `emias api` commands."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
from collections import Counter

import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from services.api.cli import app as cli
from services.api.db import upgrade
from services.api.main import create_app
from services.api.models import Doctor, Facility, Hospital, HospitalDepartment, Patient, Slot, Specialty
from services.api.outbox import moscow_now, read_outbox, set_clock
from services.api.seed import seed_from_landing
from services.api.settings import Settings
from services.contract.landing import reference_dir
from tests.integration.api.conftest import write

NARROW = {"COLUMNS": "40"}  # a narrow terminal: a message that wraps breaks the phrases searched for


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {
            m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Facility, Specialty, Doctor, Hospital, HospitalDepartment, Patient, Slot)
        }
    engine.dispose()
    return out


def test_seed_loads_the_directory_and_future_slots_once(landing, tmp_path):
    url = f"sqlite:///{tmp_path / 'api.sqlite'}"
    report = seed_from_landing(landing, url)
    expected = {
        "facilities": 2,
        "specialties": 2,
        "doctors": 4,
        "hospitals": 2,
        "hospital_departments": 5,  # every dated row: department 102's beds changed today
        "patients": 120,
        "slots": 80,
    }
    assert report.read == report.added == expected  # the past slot is left out, doctor 21's lasting post kept
    tomorrow = moscow_now().date() + dt.timedelta(days=1)
    assert report.slots_from == tomorrow - dt.timedelta(days=1)  # the day after the last landed day
    assert report.first_slot == dt.datetime.combine(tomorrow, dt.time(8))
    assert (report.free_slots, report.bookable_slots) == (79, 79)  # slot 80 was booked in the simulation
    again = seed_from_landing(landing, url)
    assert again.read == expected and set(again.added.values()) == {0}
    assert counts(url) == expected
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(Doctor.facility_id).where(Doctor.doctor_id == 21)).scalar_one() == 2
        assert conn.execute(select(func.max(Slot.slot_id))).scalar_one() == 80  # simulator ids kept
        booked = conn.execute(select(Slot.slot_id).where(Slot.is_booked)).scalars().all()
        assert booked == [80]  # booked in the simulation; slot 79's booking was cancelled
    engine.dispose()


def test_a_reseed_closes_a_department_row_the_city_closed(landing, tmp_path):
    """Department rows are dated: when the city's newer snapshot closes a row (its beds changed), a seed
    over it sets the stored row's valid_to and adds the new row, so bed availability follows."""
    url = f"sqlite:///{tmp_path / 'api.sqlite'}"
    seed_from_landing(landing, url)
    newer = tmp_path / "landing"
    shutil.copytree(landing, newer)
    folder = reference_dir(newer, "hospital_departments")
    rows = pq.read_table(folder / "part-0.parquet").to_pylist()
    today = moscow_now().date()
    yesterday = today - dt.timedelta(days=1)
    closed = [dict(r, valid_to=yesterday) if r["department_id"] == 201 else r for r in rows]
    closed.append(dict(closed[-1], beds=25, valid_from=today, valid_to=None))
    write(folder, "hospital_departments", closed)
    again = seed_from_landing(newer, url)
    assert again.added["hospital_departments"] == 1
    engine = create_engine(url)
    with engine.connect() as conn:
        dated = conn.execute(
            select(HospitalDepartment.valid_from, HospitalDepartment.valid_to, HospitalDepartment.beds)
            .where(HospitalDepartment.department_id == 201)
            .order_by(HospitalDepartment.valid_from)
        ).all()
    engine.dispose()
    assert [(to, beds) for _, to, beds in dated] == [(yesterday, 20), (None, 25)]


def test_the_embedded_default_is_a_sqlite_file_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("EMIAS_API_DB_URL", raising=False)
    settings = Settings()
    assert settings.db_url == f"sqlite:///{tmp_path / 'data' / 'api.sqlite'}"
    app = create_app(settings)  # migrates on start-up
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/openapi.json").json()["info"]["title"] == "EMIAS operational API"
        for page in ("/docs", "/redoc"):  # the browser test (tests/e2e/test_api_demo.py) renders them offline
            r = client.get(page)
            assert r.status_code == 200 and "default-src 'self'" in r.headers["content-security-policy"]
            scripts = re.findall(r'<script src="([^"]+)"', r.text)
            assert scripts and all(src.startswith("/") for src in scripts), scripts  # served here, no CDN
            assert all(client.get(src).status_code == 200 for src in scripts)
    app.state.engine.dispose()
    assert (tmp_path / "data" / "api.sqlite").is_file()


def test_minted_ids_start_above_bit_62_on_both_stores(postgres_url, tmp_path):
    for url in (postgres_url, f"sqlite:///{tmp_path / 'ids.sqlite'}"):
        upgrade(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("insert into facilities values (1, 'F', 'adult_polyclinic', null, 'CAO', 1)"))
            conn.execute(text("insert into specialties values ('t', 'T', 'T', 15, 24, 'hours', true)"))
            conn.execute(text("insert into doctors values (1, 1, 't', 1.0)"))
            columns = (
                "doctor_id, facility_id, specialty_id, starts_at, duration_min, is_urgent_reserve, is_booked"
            )
            values = "1, 1, 't', '2099-01-01 08:00', 15, false, false"
            kept = conn.execute(
                text(f"insert into slots (slot_id, {columns}) values (5, {values}) returning slot_id")
            )
            assert kept.scalar_one() == 5  # a simulator id, kept as it is
            minted = conn.execute(
                text(f"insert into slots ({columns}) values ({values}) returning slot_id")
            ).scalar_one()
        engine.dispose()
        assert minted == 2**62 + 1, url


def test_concurrent_start_up_migrations_on_postgres(postgres_url):
    url = postgres_url
    errors = []

    def migrate():
        try:
            upgrade(url)
        except Exception as e:  # noqa: BLE001 - collected and reported below
            errors.append(e)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_cli_seeds_and_issues_tokens(landing, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner(env=NARROW)
    r = runner.invoke(cli, ["seed", str(landing), "--db-url", url])
    assert r.exit_code == 0, r.output
    assert re.search(r"^  slots +80 \(80 new\)$", r.output, re.M)
    tomorrow = moscow_now().date() + dt.timedelta(days=1)
    slots = f"Slots start from {tomorrow} 08:00 to {tomorrow} 17:45; 79 free (1 booked in the simulation)."
    assert slots in r.output
    assert "79 free slots start after the service's clock" in r.output
    r = runner.invoke(cli, ["token", "registry", "--facility-id", "1", "--db-url", url])
    assert r.exit_code == 0, r.output
    token = r.output.strip()
    r = runner.invoke(cli, ["token", "doctor", "--db-url", url])
    assert r.exit_code != 0 and "Error: Invalid value: a doctor token needs doctor_id" in r.output  # one line
    app = create_app(Settings(api_db_url=url))
    with TestClient(app) as client:
        facilities = client.get("/api/v1/facilities", headers={"Authorization": f"Bearer {token}"})
        assert [f["facility_id"] for f in facilities.json()] == [1, 2]
    app.state.engine.dispose()
    assert runner.invoke(cli, ["migrate", "--db-url", url]).exit_code == 0


def test_a_demo_clock_dates_everything_from_its_start(make_api):
    start = dt.datetime(2025, 5, 1, 8, 0)
    with make_api("sqlite") as api:
        try:
            app = create_app(Settings(api_db_url=api.db_url, api_clock_start=start, migrate_on_startup=False))
            with TestClient(app) as client:
                headers = {"Authorization": f"Bearer {api.tokens['registry1']}"}
                body = {"doctor_id": 10, "starts_at": "2025-05-02T09:00:00", "duration_min": 15}
                assert client.post("/api/v1/slots", json=body, headers=headers).status_code == 201
            app.state.engine.dispose()
            (row,) = read_outbox(api.db_url, 0, 10)
            assert start <= row.row["occurred_at"] < start + dt.timedelta(minutes=5)
        finally:
            set_clock(None)


def test_seeding_says_when_there_is_nothing_to_load(landing, tmp_path):
    runner = CliRunner(env=NARROW)
    url = f"sqlite:///{tmp_path / 'late.sqlite'}"
    r = runner.invoke(cli, ["seed", str(landing), "--db-url", url, "--from", "2099-01-01"])
    assert r.exit_code == 2
    assert f"error: no slots start on or after 2099-01-01 in {landing}: choose --from within them" in r.output
    r = runner.invoke(cli, ["seed", str(tmp_path / "nowhere"), "--db-url", url])
    assert r.exit_code == 2 and f"error: no landing folder at {tmp_path / 'nowhere'}" in r.output
    r = runner.invoke(cli, ["seed", str(landing), "--db-url", url, "--from", "tomorrow"])
    assert r.exit_code == 2 and "error: --from 'tomorrow' is not a date (YYYY-MM-DD)" in r.output


def test_seeding_a_past_city_names_the_clock_that_books_it(landing, tmp_path):
    runner = CliRunner(env={**NARROW, "EMIAS_API_CLOCK_START": "2099-01-01T08:00"})
    url = f"sqlite:///{tmp_path / 'past.sqlite'}"
    try:
        r = runner.invoke(cli, ["seed", str(landing), "--db-url", url])
    finally:
        set_clock(None)
    assert r.exit_code == 2, r.output
    today = moscow_now().date()
    assert (
        "error: seeded, but no free slot starts after the service's clock (2099-01-01 08:00): to book them, "
        f"start the clock at the city's today: export EMIAS_API_CLOCK_START={today}T08:00"
    ) in r.output
    assert counts(url)["slots"] == 80  # the directory and the slots are there all the same


def test_activity_reports_what_it_did_and_fails_when_there_is_nothing_to_do(sqlite_template, tmp_path):
    runner = CliRunner(env=NARROW)
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    r = runner.invoke(cli, ["activity", "--db-url", empty])
    assert r.exit_code == 2 and "error: the store has no patients: run `emias api seed` first" in r.output

    seeded = tmp_path / "seeded.sqlite"
    shutil.copy(make_url(sqlite_template.db_url).database, seeded)
    url = f"sqlite:///{seeded}"
    late = CliRunner(env={**NARROW, "EMIAS_API_CLOCK_START": "2099-01-01T08:00"})
    try:
        r = late.invoke(cli, ["activity", "--db-url", url])
    finally:
        set_clock(None)
    tomorrow = moscow_now().date() + dt.timedelta(days=1)
    assert r.exit_code == 2
    assert (
        "error: no free slot starts after the service's clock (2099-01-01 08:00); the store's slots run "
        f"from {tomorrow} 08:00 to {tomorrow} 17:45: start the service's clock before them: "
        f"export EMIAS_API_CLOCK_START={tomorrow}T08:00"
    ) in r.output

    r = runner.invoke(cli, ["activity", "--bookings", "12", "--seed", "5", "--db-url", url])
    assert r.exit_code == 0, r.output
    written = Counter(row.table_name for row in read_outbox(url, 0, 10_000))
    assert f"Booked {written['appointment_booked']} appointments (of 12 asked)" in r.output
    for table, n in written.items():
        assert re.search(rf"^  {table} +{n}$", r.output, re.M), table
    assert re.search(rf"^  total +{sum(written.values())}$", r.output, re.M)


def test_slots_stored_before_revision_0002_get_its_time_as_their_publication(postgres_url, tmp_path):
    """Revision 0002 adds slots.published_at (the booking's reference rule reads it): a slot stored before
    was published no later than the migration, and gets its time, so it stays bookable."""
    for url in (postgres_url, f"sqlite:///{tmp_path / 'old.sqlite'}"):
        upgrade(url, "0001")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("insert into facilities values (1, 'F', 'adult_polyclinic', null, 'CAO', 1)"))
            conn.execute(text("insert into specialties values ('t', 'T', 'T', 15, 24, 'hours', true)"))
            conn.execute(text("insert into doctors values (1, 1, 't', 1.0)"))
            conn.execute(
                text("insert into slots values (5, 1, 1, 't', '2099-01-01 08:00', 15, false, false)")
            )
        before = moscow_now()
        upgrade(url)
        with engine.connect() as conn:
            published = conn.execute(select(Slot.published_at).where(Slot.slot_id == 5)).scalar_one()
        engine.dispose()
        assert published is not None and before - dt.timedelta(minutes=1) <= published <= moscow_now(), url
