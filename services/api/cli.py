"""`emias api ...`: serve the API, seed it from a simulated city, issue tokens, migrate the store.

The main `emias` command mounts this typer app (`app`) as its `api` sub-command.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The operational booking, records and prescriptions API.", no_args_is_help=True)

DbUrl = Annotated[
    str | None,
    typer.Option("--db-url", help="Store URL (default: EMIAS_API_DB_URL or a SQLite file in EMIAS_DATA_DIR)"),
]


def _settings(db_url: str | None):
    from services.api.settings import Settings

    settings = Settings()
    if db_url:
        settings.api_db_url = db_url
    return settings


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    host: Annotated[str, typer.Option(help="Address to bind")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    db_url: DbUrl = None,
) -> None:
    """Serve the API (OpenAPI docs at /docs)."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from services.api.db import upgrade

    settings = _settings(db_url)
    upgrade(settings.db_url)
    # Workers read their settings from the environment: hand them the store and skip a second migration.
    os.environ["EMIAS_API_DB_URL"] = settings.db_url
    os.environ["EMIAS_MIGRATE_ON_STARTUP"] = "false"
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["services.api.access"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    uvicorn.run(
        "services.api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # it would log paths, which carry patient ids; the app logs route templates
        log_config=log_config,
    )


@app.command()
def seed(
    landing: Annotated[Path, typer.Argument(help="A simulated city's landing folder")],
    db_url: DbUrl = None,
    from_date: Annotated[
        str | None, typer.Option("--from", help="First day of slots to load (YYYY-MM-DD; default today)")
    ] = None,
) -> None:
    """Load facilities, specialties, doctors, patients and future slots from a landing folder."""
    from services.api.outbox import set_clock
    from services.api.seed import seed_from_landing

    settings = _settings(db_url)
    set_clock(settings.api_clock_start)  # "today" is the service's today
    day = dt.date.fromisoformat(from_date) if from_date else None
    counts = seed_from_landing(landing, settings.db_url, day)
    for table, n in counts.items():
        typer.echo(f"{table}: {n}")


@app.command()
def token(
    role: Annotated[str, typer.Argument(help="patient, registry, doctor, pharmacist or admin")],
    patient_id: Annotated[str | None, typer.Option(help="For a patient token")] = None,
    facility_id: Annotated[int | None, typer.Option(help="For a registry token")] = None,
    doctor_id: Annotated[int | None, typer.Option(help="For a doctor token")] = None,
    pharmacy_id: Annotated[int | None, typer.Option(help="For a pharmacist token")] = None,
    label: Annotated[str | None, typer.Option(help="Who holds it (kept beside the hash)")] = None,
    db_url: DbUrl = None,
) -> None:
    """Issue a bearer token and print it (only its hash is stored)."""
    from services.api.db import make_engine, session_factory, upgrade
    from services.api.security import issue_token

    url = _settings(db_url).db_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            try:
                value = issue_token(
                    session,
                    role,
                    patient_id=patient_id,
                    facility_id=facility_id,
                    doctor_id=doctor_id,
                    pharmacy_id=pharmacy_id,
                    label=label,
                )
            except ValueError as e:
                raise typer.BadParameter(str(e)) from None
            session.commit()
    finally:
        engine.dispose()
    typer.echo(value)


@app.command()
def activity(
    bookings: Annotated[int, typer.Option(help="Bookings to attempt")] = 100,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    db_url: DbUrl = None,
) -> None:
    """Drive a day of activity through the API (bookings, visits, prescriptions) into a seeded store."""
    from services.api.activity import drive_activity

    for table, n in sorted(drive_activity(_settings(db_url).db_url, bookings, seed).items()):
        typer.echo(f"{table}: {n}")


@app.command()
def migrate(db_url: DbUrl = None) -> None:
    """Bring the store's schema up to date."""
    from services.api.db import upgrade

    upgrade(_settings(db_url).db_url)
    typer.echo("up to date")
