"""`emias api ...`: serve the API, seed it from a simulated city, issue tokens, migrate the store.

The main `emias` command mounts this typer app (`app`) as its `api` sub-command.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from services.api.seed import SeedReport

# Plain click errors, not typer's rich panel: a panel wraps a message at the terminal's width.
app = typer.Typer(
    help="The operational booking, records and prescriptions API.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

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


def _fail(message: str) -> typer.Exit:
    """A one-line error on stderr, plain text (never wrapped), and exit code 2 as `emias build` uses."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _store(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def seed(
    landing: Annotated[
        Path | None,
        typer.Argument(help="A simulated city's landing folder (default $EMIAS_DATA_DIR/landing)"),
    ] = None,
    db_url: DbUrl = None,
    from_date: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First day of slots to load (YYYY-MM-DD; default the city's today, the day after its last"
            " landed day)",
        ),
    ] = None,
) -> None:
    """Load facilities, specialties, doctors, patients and future slots from a landing folder."""
    from services.api.outbox import set_clock
    from services.api.seed import seed_from_landing

    settings = _settings(db_url)
    landing = (landing or settings.data_dir / "landing").resolve()
    if not landing.is_dir():
        raise _fail(f"no landing folder at {landing}: run `emias simulate` first")
    try:
        day = dt.date.fromisoformat(from_date) if from_date else None
    except ValueError:
        raise _fail(f"--from {from_date!r} is not a date (YYYY-MM-DD)") from None
    set_clock(settings.api_clock_start)  # what can be booked depends on the service's today
    _print_seed_report(seed_from_landing(landing, settings.db_url, day), landing, settings.db_url)


def _print_seed_report(report: SeedReport, landing: Path, db_url: str) -> None:
    """What a seed loaded, table by table, and which of its slots the service can book; exits 2 on none."""
    from services.api.outbox import moscow_now

    landed = f"landed days {report.landed[0]} to {report.landed[1]}" if report.landed else "no slots landed"
    typer.echo(f"Seeded {_store(db_url)} from {landing} ({landed}):")
    for table, n in report.read.items():
        typer.echo(f"  {table:<20} {n:>9,} ({report.added[table]:,} new)")
    if report.first_slot is None:
        raise _fail(f"no slots start on or after {report.slots_from} in {landing}: choose --from within them")
    typer.echo(
        f"Slots start from {report.first_slot:%Y-%m-%d %H:%M} to {report.last_slot:%Y-%m-%d %H:%M}; "
        f"{report.free_slots:,} free ({report.read['slots'] - report.free_slots:,} booked in the simulation)."
    )
    now = f"{moscow_now():%Y-%m-%d %H:%M}"
    if report.bookable_slots == 0:
        clock = f"{report.city_clock:%Y-%m-%dT%H:%M}"
        raise _fail(
            f"seeded, but no free slot starts after the service's clock ({now}): to book them, start the "
            f"clock at the city's today: export EMIAS_API_CLOCK_START={clock}"
        )
    typer.echo(f"{report.bookable_slots:,} free slots start after the service's clock ({now}): bookable now.")


@app.command()
def token(
    role: Annotated[str, typer.Argument(help="patient, registry, doctor, pharmacist, hospital or admin")],
    patient_id: Annotated[str | None, typer.Option(help="For a patient token")] = None,
    facility_id: Annotated[int | None, typer.Option(help="For a registry token")] = None,
    doctor_id: Annotated[int | None, typer.Option(help="For a doctor token")] = None,
    pharmacy_id: Annotated[int | None, typer.Option(help="For a pharmacist token")] = None,
    hospital_id: Annotated[int | None, typer.Option(help="For a hospital staff token")] = None,
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
                    hospital_id=hospital_id,
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
    from services.api.activity import NothingToDo, drive_activity
    from services.api.outbox import moscow_now

    settings = _settings(db_url)
    try:
        written = drive_activity(settings.db_url, bookings, seed, settings=settings)
    except NothingToDo as e:
        raise _fail(str(e)) from None
    typer.echo(
        f"Booked {written['appointment_booked']:,} appointments (of {bookings:,} asked) through the API in "
        f"{_store(settings.db_url)}, by the service's clock {moscow_now():%Y-%m-%d %H:%M}; "
        "it wrote these rows to the outbox for the warehouse (`emias build` loads them):"
    )
    for table, n in sorted(written.items()):
        typer.echo(f"  {table:<24} {n:>7,}")
    typer.echo(f"  {'total':<24} {sum(written.values()):>7,}")


@app.command()
def migrate(db_url: DbUrl = None) -> None:
    """Bring the store's schema up to date."""
    from services.api.db import upgrade

    upgrade(_settings(db_url).db_url)
    typer.echo("up to date")
