"""The `emias` command line: each step of the platform on its own, and the whole demo.

emias simulate --scale 0.001 --start 2025-01-01 --days 90 --seed 42
emias build [--target duckdb|postgres] [--partition YYYY-MM-DD | --from D --to D] [--full-refresh]
emias dashboards [--port 8501]
emias ui [--port 3000]
emias demo
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Column, Table

from pipelines.progress import Progress
from warehouse import get_settings

# Messages never hard-wrap inside a sentence: rich would break them at the terminal's width (and a test
# searching for a phrase would fail on a narrow terminal). Usage errors print as click's plain text for the
# same reason (typer's rich error panel wraps).
app = typer.Typer(
    help="EMIAS city health platform: simulate, build, serve.", no_args_is_help=True, rich_markup_mode=None
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ROOT = Path(__file__).resolve().parent.parent


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code=2)


@app.command()
def simulate(
    scale: Annotated[float, typer.Option(help="1.0 is Moscow (13.0M residents)")] = 0.001,
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")] = "2025-01-01",
    days: Annotated[int, typer.Option(help="number of days")] = 90,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same city")] = 42,
) -> None:
    """Simulate a city and write its export into $EMIAS_DATA_DIR/landing."""
    from services.simulator import SimulationError, parse_start
    from services.simulator import simulate as run

    landing = get_settings().landing_dir
    try:
        first = parse_start(start)
        t0 = time.perf_counter()
        rows = run(landing, scale=scale, start=first, days=days, seed=seed)
    except SimulationError as e:
        raise _fail(str(e)) from None
    table = Table(  # on a narrow terminal a long name folds inside its cell rather than being cut short
        Column("table", overflow="fold"),
        Column("rows", justify="right"),
        title=f"Simulated {days} days from {first} into {landing}",
    )
    for name, n in rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(f"done in {time.perf_counter() - t0:.1f} s")


def _day(option: str, text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise _fail(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


@app.command()
def build(
    target: Annotated[str | None, typer.Option(help="duckdb (default) or postgres")] = None,
    partition: Annotated[str | None, typer.Option(help="rebuild this day, YYYY-MM-DD")] = None,
    first: Annotated[str | None, typer.Option("--from", help="rebuild the days from this one")] = None,
    last: Annotated[str | None, typer.Option("--to", help="... to this one (with --from)")] = None,
    full_refresh: Annotated[bool, typer.Option(help="reload every landed day, rebuild every model")] = False,
) -> None:
    """Load what landed into the raw layer and build the marts with dbt (Dagster's `build` job).

    With no day given, every landed day whose files changed since it was loaded; with --partition or
    --from/--to, those days whether they changed or not."""
    from pipelines.build import BuildError
    from pipelines.build import build as run
    from warehouse.watermarks import day_span

    day, start, end = _day("--partition", partition), _day("--from", first), _day("--to", last)
    if (start is None) != (end is None):
        raise _fail("give both --from and --to")
    if day and start:
        raise _fail("give either --partition or --from/--to")
    if full_refresh and (day or start):
        raise _fail("--full-refresh reloads every landed day: give no day with it")
    try:
        settings = get_settings(target)
    except ValueError as e:
        raise _fail(str(e)) from None
    log = settings.data_dir / "logs" / f"build-{dt.datetime.now():%Y%m%d-%H%M%S}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        # dbt's own log goes to the file; the terminal gets progress bars and the outcome
        with log.open("w") as out, contextlib.redirect_stdout(out), _ProgressBars(err) as bars:
            days = (start, end) if start else None
            report = run(settings.target, day, days=days, full_refresh=full_refresh, progress=bars)
    except BuildError as e:
        raise _fail(f"{e} (the build's log: {log})") from None
    loaded = (
        f"loaded {len(report.days)} day{'s' if len(report.days) > 1 else ''} "
        f"({day_span(report.days[0], report.days[-1])})"
        if report.days
        else "no day had changed"
    )
    console.print(f"built the {report.target} warehouse: {loaded}, in {time.perf_counter() - t0:.1f} s")
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)} (see raw.raw_quarantine)")


class _ProgressBars(Progress):
    """The build's long steps as progress bars on the terminal (stderr)."""

    def __init__(self, out: Console):
        self._bars = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[item]}"),
            console=out,
        )

    def __enter__(self) -> _ProgressBars:
        self._bars.start()
        return self

    def __exit__(self, *exc) -> None:
        self._bars.stop()

    @contextlib.contextmanager
    def task(self, name: str, total: int | None, detail: str = ""):
        task = self._bars.add_task(f"{name} {detail}".strip(), total=total, item="")
        yield lambda item: self._bars.update(task, advance=1, item=item)
        self._bars.update(task, completed=total, item="")


def _streamlit_command(port: int) -> list[str]:
    # viewer mode: the people reading the dashboards get no "Deploy" button, rerun or clear-cache menu
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboards" / "app.py"),
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip


@app.command()
def dashboards(port: Annotated[int, typer.Option(help="port on localhost")] = 8501) -> None:
    """Serve the Streamlit dashboards on localhost."""
    console.print(f"dashboards on http://localhost:{port}")
    raise typer.Exit(subprocess.call(_streamlit_command(port)))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def users(ctx: typer.Context) -> None:
    """Dashboard sign-in users: add NAME --role ROLE [--facility ID], list, remove NAME, demo."""
    # the dashboards own their users file; nothing imports the dashboards, so run their admin command
    raise typer.Exit(subprocess.call([sys.executable, "-m", "dashboards.users", *ctx.args], cwd=ROOT))


@app.command()
def ui(port: Annotated[int, typer.Option(help="port on localhost")] = 3000) -> None:
    """Serve Dagster's UI on this code location."""
    import dagster as dg

    from pipelines.dbt import prepare
    from pipelines.instance import DagsterHomeError, ensure_dagster_home, quiet_environment
    from pipelines.partitions import add_landed_days, landing_days

    try:
        ensure_dagster_home()
    except DagsterHomeError as e:
        raise _fail(str(e)) from None
    prepare()
    # the landed days are the partitions the UI shows (the sensor adds the days that land later)
    add_landed_days(dg.DagsterInstance.get(), landing_days(get_settings().landing_dir))
    cmd = [
        str(Path(sys.executable).parent / "dagster"),
        "dev",
        "-m",
        "pipelines.definitions",
        "-p",
        str(port),
    ]
    console.print(f"Dagster's UI starts on http://localhost:{port} (Ctrl+C stops it)")
    raise typer.Exit(subprocess.call(cmd, cwd=ROOT, env=quiet_environment(os.environ)))


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="port of the dashboards")] = 8501,
    # a city of 130,000 residents over half a year: enough new cases for every okrug's incidence
    scale: Annotated[float, typer.Option(help="size of the demo city")] = 0.01,
    days: Annotated[int, typer.Option(help="days to simulate")] = 180,
) -> None:
    """Simulate a small city, build the warehouse and serve the dashboards (prints the URL)."""
    settings = get_settings()
    os.environ.setdefault("EMIAS_DATA_DIR", str(settings.data_dir))
    if not (settings.landing_dir / "_city.json").exists():
        simulate(scale=scale, start="2025-01-01", days=days, seed=42)
    else:
        console.print(f"using the city already in {settings.landing_dir}")
    build(target="duckdb", partition=None, first=None, last=None, full_refresh=False)
    subprocess.call([sys.executable, "-m", "dashboards.users", "demo"], cwd=ROOT)
    console.print(f"[bold green]The dashboards are at http://localhost:{port}[/] (Ctrl+C stops them)")
    console.print("sign in as leader, chief_physician, epidemiologist or analyst, password 'demo'")
    raise typer.Exit(subprocess.call(_streamlit_command(port)))


def _mount_api() -> None:
    """`emias api ...` comes from the operational service, when it is installed in this tree."""
    try:
        from services.api.cli import app as api_app
    except ImportError:
        return
    app.add_typer(api_app, name="api", help="The operational booking, records and prescriptions API.")


_mount_api()

if __name__ == "__main__":
    app()
