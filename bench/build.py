"""Benchmark of the warehouse build (on demand, not in CI), printed as tables.

    .venv/bin/python bench/build.py --scale 0.1 --history 30 365 [--out DIR] [--no-ingest-ratio]

For each history length H it simulates H + 1 days, builds the first H days with the `build` job (the full
build: every day loaded, one dbt build), then lands the last day and builds that day alone
(`build(partition=day)`), and reports:
- the full build's rows/s end to end (raw rows loaded / wall time), its steps, and Dagster's share: the
  run's wall time less the time spent in the loads and in dbt's process (from its start to its end: its
  start-up, its parse and its work; Dagster records dbt's events while dbt runs, and after it);
- the validated ingest's rows/s beside DuckDB's plain `read_parquet` -> table on the same files, and the
  ratio (bench/ingest.py), on the first history's files;
- the one-day build's time and steps after each history, and its growth from the shortest history to the
  longest.
A simulated city is reused when --out already holds it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench.ingest, run as a script

from bench.ingest import START, simulated_city  # noqa: E402
from pipelines.progress import Progress  # noqa: E402

# the build job's steps, by the names the tables show
STEPS = {
    "raw__raw_landed_days": "queue days",
    "reference_snapshots": "snapshots",
    "register_definitions": "registers",
    "transactions": "transactions",
    "warehouse_models": "dbt step",
}
SEED = 7


class TimedProgress(Progress):
    """Records the wall time of each long step's work (the loads, the dbt build)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def task(self, name: str, total: int | None, detail: str = ""):
        started = time.perf_counter()
        yield lambda item: None
        self.seconds[name] = time.perf_counter() - started

    def spent(self, what: str, seconds: float) -> None:
        self.seconds[what] = seconds


@dataclass
class BuildTiming:
    wall_s: float
    rows: int
    steps_s: dict[str, float] = field(default_factory=dict)
    work_s: dict[str, float] = field(default_factory=dict)
    dbt_elapsed_s: float = 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s

    @property
    def dbt_process_s(self) -> float:
        """From the start of dbt's process to its end, start-up included: the dbt step, whose event stream
        ends when the process does (Dagster records the events while dbt runs)."""
        return self.work_s.get("dbt build", 0.0)

    @property
    def ingest_s(self) -> float:
        return self.work_s.get("reference snapshots", 0.0) + self.work_s.get("transactions", 0.0)

    @property
    def dagster_share(self) -> float:
        """The build's wall time outside the loads and the dbt process (Dagster's start, its run and step
        bookkeeping, the recording of every event), as a share of the wall time."""
        return max(0.0, self.wall_s - self.ingest_s - self.dbt_process_s) / self.wall_s


def _dbt_elapsed(target_dir: Path) -> float:
    """dbt's own elapsed time in the newest run folder (run_results.json)."""
    runs = sorted(
        (d for d in target_dir.iterdir() if d.is_dir() and "-" in d.name), key=lambda d: d.stat().st_mtime
    )
    results = runs[-1] / "run_results.json" if runs else None
    return json.loads(results.read_text())["elapsed_time"] if results and results.exists() else 0.0


def _raw_rows(loaded_after: dt.datetime | None = None) -> int:
    from warehouse import connect

    con = connect(read_only=True)
    try:
        where = f"where _loaded_at >= timestamp '{loaded_after:%Y-%m-%d %H:%M:%S}'" if loaded_after else ""
        return con.execute(f"select coalesce(sum(loaded_rows), 0) from raw.raw_load_log {where}").fetchone()[
            0
        ]
    finally:
        con.close()


def timed_build(**kwargs) -> BuildTiming:
    from pipelines.build import build
    from pipelines.dbt import DBT_PROJECT_DIR

    progress = TimedProgress()
    started_at = dt.datetime.now().replace(microsecond=0)
    t = time.perf_counter()
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        report = build("duckdb", progress=progress, **kwargs)
    wall = time.perf_counter() - t
    return BuildTiming(
        wall_s=wall,
        rows=_raw_rows(started_at),
        steps_s=report.seconds,
        work_s=progress.seconds,
        dbt_elapsed_s=_dbt_elapsed(DBT_PROJECT_DIR / "target-duckdb"),
    )


def _stage(city: Path, data: Path, hold_back: dt.date) -> None:
    """Copy the city into a fresh data folder without the held-back day (hard links: no bytes copied)."""
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(
        city,
        data / "landing",
        ignore=shutil.ignore_patterns(f"date={hold_back.isoformat()}"),
        copy_function=os.link,
    )


def _land(city: Path, data: Path, day: dt.date) -> None:
    for table_dir in city.iterdir():
        day_dir = table_dir / f"date={day.isoformat()}"
        if day_dir.exists():
            shutil.copytree(day_dir, data / "landing" / table_dir.name / day_dir.name, copy_function=os.link)


def run_history(scale: float, history: int, folder: Path) -> dict:
    city = simulated_city(folder / f"city-{scale:g}-{history + 1}d", scale=scale, days=history + 1, seed=SEED)
    data = folder / f"warehouse-{scale:g}-{history}d"
    last = START + dt.timedelta(days=history)
    _stage(city, data, last)
    os.environ["EMIAS_DATA_DIR"] = str(data)
    os.environ["DAGSTER_HOME"] = str(data / "dagster_home")
    os.environ.pop("EMIAS_DUCKDB_PATH", None)
    full = timed_build()
    _land(city, data, last)
    one_day = timed_build(partition=last)
    return {"history_days": history, "city": str(city), "full": full, "one_day": one_day}


def _print(console: Console, scale: float, results: list[dict]) -> None:
    full = Table(title=f"Full builds at --scale {scale:g}")
    for col in (
        "history",
        "raw rows",
        "wall s",
        "rows/s",
        "Dagster's share",
        "ingest s",
        "dbt s (inside dbt)",
    ):
        full.add_column(col, justify="right")
    for r in results:
        f: BuildTiming = r["full"]
        ingest_s = sum(v for k, v in f.work_s.items() if not k.startswith("dbt"))
        full.add_row(
            f"{r['history_days']} days", f"{f.rows:,}", f"{f.wall_s:.1f}", f"{f.rows_per_s:,.0f}",
            f"{f.dagster_share:.1%}", f"{ingest_s:.1f}", f"{f.dbt_elapsed_s:.1f}",
        )  # fmt: skip
    console.print(full)
    day = Table(title="One-day builds after the history (seconds)")
    for col in ("history", "wall", *STEPS.values(), "inside dbt", "Dagster's share"):
        day.add_column(col, justify="right")
    for r in results:
        o: BuildTiming = r["one_day"]
        day.add_row(
            f"{r['history_days']} days", f"{o.wall_s:.1f}", *[f"{o.steps_s.get(s, 0):.1f}" for s in STEPS],
            f"{o.dbt_elapsed_s:.1f}", f"{o.dagster_share:.1%}",
        )  # fmt: skip
    console.print(day)
    if len(results) > 1:
        growth = results[-1]["one_day"].wall_s / results[0]["one_day"].wall_s
        console.print(
            f"one-day build growth from {results[0]['history_days']} to {results[-1]['history_days']} "
            f"days of history: {growth:.2f}x"
        )


def _ingest_ratio(city: Path, scale: float) -> dict:
    """bench/ingest.py on the first city's files, in a process of its own (this one holds the builds'
    threads and memory), three runs: its report printed, its ratios returned."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("ingest.py")), "--scale", str(scale),
         "--folder", str(city), "--repeat", "3"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    *report, figures = out.rstrip().splitlines()
    print("\nThe validated ingest beside DuckDB's read_parquet -> table, same files (the first city):")
    print("\n".join(report))
    ratios = json.loads(figures)
    return {"ratios": ratios["ratios"], "cpu_ratios": ratios["cpu_ratios"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--history", type=int, nargs="+", default=[30, 365])
    parser.add_argument(
        "--out", type=Path, default=None, help="keep the cities here (default: a temp folder)"
    )
    parser.add_argument("--no-ingest-ratio", action="store_true", help="skip the ingest vs read_parquet run")
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="emias-bench-build-"))
    folder.mkdir(parents=True, exist_ok=True)
    console = Console(soft_wrap=True, width=150)
    results = [run_history(args.scale, h, folder) for h in sorted(args.history)]
    _print(console, args.scale, results)
    if not args.no_ingest_ratio:
        ratio = _ingest_ratio(Path(results[0]["city"]).parent, args.scale)
        results[0]["ingest_ratio"] = ratio
    for r in results:
        r["full"], r["one_day"] = asdict(r["full"]), asdict(r["one_day"])
    (folder / "bench-build.json").write_text(
        json.dumps({"scale": args.scale, "results": results}, default=str)
    )
    console.print(f"figures in {folder / 'bench-build.json'}")
    if not args.out:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
