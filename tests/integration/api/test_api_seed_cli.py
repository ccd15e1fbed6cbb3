"""Seeding from a landing folder, the embedded SQLite default, migrations and the `emias api` commands."""

from __future__ import annotations

import datetime as dt
import threading

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from services.api.cli import app as cli
from services.api.db import upgrade
from services.api.main import create_app
from services.api.models import Doctor, Facility, Patient, Slot, Specialty
from services.api.outbox import read_outbox, set_clock
from services.api.seed import seed_from_landing
from services.api.settings import Settings


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {
            m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Facility, Specialty, Doctor, Patient, Slot)
        }
    engine.dispose()
    return out


def test_seed_loads_the_directory_and_future_slots_once(landing, tmp_path):
    url = f"sqlite:///{tmp_path / 'api.sqlite'}"
    read = seed_from_landing(landing, url)
    expected = {"facilities": 2, "specialties": 2, "doctors": 4, "patients": 120, "slots": 80}
    assert read == expected  # the past slot is left out, doctor 21 keeps only the post that lasts
    seed_from_landing(landing, url)
    assert counts(url) == expected
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(Doctor.facility_id).where(Doctor.doctor_id == 21)).scalar_one() == 2
        assert conn.execute(select(func.max(Slot.slot_id))).scalar_one() == 80  # simulator ids kept
        booked = conn.execute(select(Slot.slot_id).where(Slot.is_booked)).scalars().all()
        assert booked == [80]  # booked in the simulation; slot 79's booking was cancelled
    engine.dispose()


def test_the_embedded_default_is_a_sqlite_file_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("EMIAS_API_DB_URL", raising=False)
    settings = Settings()
    assert settings.db_url == f"sqlite:///{tmp_path / 'data' / 'api.sqlite'}"
    app = create_app(settings)  # migrates on start-up
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/openapi.json").json()["info"]["title"] == "EMIAS operational API"
        assert client.get("/docs").status_code == 200
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
    runner = CliRunner()
    r = runner.invoke(cli, ["seed", str(landing), "--db-url", url])
    assert r.exit_code == 0, r.output
    assert "slots: 80" in r.output
    r = runner.invoke(cli, ["token", "registry", "--facility-id", "1", "--db-url", url])
    assert r.exit_code == 0, r.output
    token = r.output.strip()
    r = runner.invoke(cli, ["token", "doctor", "--db-url", url])
    assert r.exit_code != 0 and "doctor_id" in r.output
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
