"""The `emias` command line: each step of the platform on its own, and the whole demo.

emias simulate --scale 0.001 --start 2025-01-01 --days 90 --seed 42
emias build [--target duckdb|postgres] [--partition YYYY-MM-DD]
emias dashboards [--port 8501]
emias ui [--port 3000]
emias demo
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from warehouse import get_settings

app = typer.Typer(help="EMIAS city health platform: simulate, build, serve.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

ROOT = Path(__file__).resolve().parent.parent


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
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
    table = Table("table", "rows", title=f"Simulated {days} days from {first} into {landing}")
    for name, n in rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(f"done in {time.perf_counter() - t0:.1f} s")


@app.command()
def build(
    target: Annotated[str | None, typer.Option(help="duckdb (default) or postgres")] = None,
    partition: Annotated[str | None, typer.Option(help="load only this day, YYYY-MM-DD")] = None,
) -> None:
    """Ingest the landing folder into the raw layer and build the marts with dbt."""
    from pipelines.build import BuildError
    from pipelines.build import build as run

    try:
        day = dt.date.fromisoformat(partition) if partition else None
    except ValueError:
        raise _fail(f"--partition {partition!r} is not a date (YYYY-MM-DD)") from None
    try:
        settings = get_settings(target)
        t0 = time.perf_counter()
        report = run(settings.target, day)
    except (BuildError, ValueError) as e:
        raise _fail(str(e)) from None
    span = f"{report.days[0]} .. {report.days[-1]}" if len(report.days) > 1 else str(report.days[0])
    console.print(f"built the {report.target} warehouse for {span} in {time.perf_counter() - t0:.1f} s")
    for w in report.warnings:
        console.print(f"[yellow]warning:[/] {w} (see raw.raw_quarantine)")


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
    from pipelines.dbt import prepare
    from pipelines.instance import ensure_dagster_home

    ensure_dagster_home()
    prepare()
    cmd = [
        str(Path(sys.executable).parent / "dagster"),
        "dev",
        "-m",
        "pipelines.definitions",
        "-p",
        str(port),
    ]
    raise typer.Exit(subprocess.call(cmd, cwd=ROOT))


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="port of the dashboards")] = 8501,
    scale: Annotated[float, typer.Option(help="size of the demo city")] = 0.001,
    days: Annotated[int, typer.Option(help="days to simulate")] = 120,
) -> None:
    """Simulate a small city, build the warehouse and serve the dashboards (prints the URL)."""
    settings = get_settings()
    os.environ.setdefault("EMIAS_DATA_DIR", str(settings.data_dir))
    if not (settings.landing_dir / "_city.json").exists():
        simulate(scale=scale, start="2025-01-01", days=days, seed=42)
    else:
        console.print(f"using the city already in {settings.landing_dir}")
    build(target="duckdb", partition=None)
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
