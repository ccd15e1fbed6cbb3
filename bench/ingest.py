"""Benchmark of the validated ingest beside DuckDB's own `read_parquet` -> table (on demand, not in CI).

    .venv/bin/python bench/ingest.py --scale 0.1 --days 30 [--repeat 3] [--folder DIR]

Simulates a city once into a bench folder (reused when it is there), then in each run measures, per table
and in total, on the same landing files:
  raw      `create table ... as select * from read_parquet(<files>)` into a fresh DuckDB file;
  ingest   the validated load of the whole range into a fresh DuckDB warehouse (`load_snapshot` for each
           reference snapshot, one `load_days` over every day for each transaction table, in load order);
  pg       the same validated load into a fresh PostgreSQL database, when PGHOST is set.
The ratio is ingest rows/s over raw rows/s (issue 12 asks for at least 0.6). Wall seconds are reported
with the process's CPU seconds beside them: on a shared machine the CPU time is the steadier of the two,
and the load average before each run says how shared it was.

The measuring functions (`simulated_city`, `measure_raw_read`, `measure_ingest`, `print_report`) are
importable: bench/build.py reports the same figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from services.contract import Table  # noqa: E402
from services.contract.landing import landed_days  # noqa: E402
from warehouse.ingest import landing_files, load_days, load_order, load_snapshot, target_for  # noqa: E402

START = dt.date(2025, 1, 6)


@dataclass(frozen=True)
class Timing:
    """Rows handled by one step, its wall seconds and the CPU seconds of this process (all threads)."""

    rows: int
    seconds: float
    cpu_seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else float("nan")


@contextmanager
def _clock(out: dict[str, float]) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - wall, time.process_time() - cpu


def simulated_city(folder: Path, *, scale: float, days: int, seed: int = 7, start: dt.date = START) -> Path:
    """The landing folder of a simulated city in `folder`, simulated on the first call only."""
    from services.simulator import simulate

    landing = folder / "landing"
    if not landing.exists():
        print(f"simulating {days} days at scale {scale} into {landing} ...", flush=True)
        partial = folder / "landing.partial"  # an interrupted run leaves no city that looks whole
        shutil.rmtree(partial, ignore_errors=True)
        simulate(partial, scale=scale, start=start, days=days, seed=seed)
        partial.rename(landing)
    return landing


def _days(landing: Path, table: Table) -> list[dt.date]:
    return landed_days(landing, table.name)


def _files(landing: Path, table: Table) -> list[Path]:
    if table.kind == "reference":
        return landing_files(landing, table)
    return [p for day in _days(landing, table) for p in landing_files(landing, table, day)]


def measure_raw_read(landing: Path, database: Path) -> dict[str, Timing]:
    """DuckDB's own rate: `create table as select * from read_parquet(<the table's files>)` for each
    contract table, in load order, into a fresh DuckDB file (`database`, replaced)."""
    database.unlink(missing_ok=True)
    timings = {}
    with duckdb.connect(str(database)) as con:
        for table in load_order():
            files = [str(p) for p in _files(landing, table)]
            if not files:
                continue
            clock: dict[str, float] = {}
            with _clock(clock):
                con.execute(f"create table {table.name} as select * from read_parquet({files!r})")
            rows = con.execute(f"select count(*) from {table.name}").fetchone()[0]
            timings[table.name] = Timing(rows, **clock)
    return timings


def _validated_load(con, landing: Path) -> dict[str, Timing]:
    target = target_for(con)
    target.ensure_raw_schema()
    timings = {}
    for table in load_order():
        clock: dict[str, float] = {}
        with _clock(clock):
            if table.kind == "reference":
                results = [load_snapshot(target, landing, table)]
            else:
                results = load_days(target, landing, table, _days(landing, table))
        bad = [r for r in results if not r.reconciles]
        if bad:
            raise RuntimeError(f"{table.name}: the load does not reconcile: {bad[:3]}")
        timings[table.name] = Timing(sum(r.landing_rows for r in results), **clock)
    return timings


def measure_ingest(landing: Path, database: Path) -> dict[str, Timing]:
    """The validated load of every landed day into a fresh DuckDB warehouse (`database`, replaced)."""
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        return _validated_load(con, landing)


def measure_ingest_postgres(landing: Path) -> dict[str, Timing]:
    """The validated load into a fresh database on the PostgreSQL server the PG* variables name
    (created, then dropped)."""
    import psycopg

    name = f"emias_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(dbname=os.environ.get("PGDATABASE") or "postgres", autocommit=True)
    admin.execute(f'create database "{name}"')
    try:
        with psycopg.connect(dbname=name, autocommit=True) as con:
            return _validated_load(con, landing)
    finally:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def _total(timings: dict[str, Timing]) -> Timing:
    return Timing(
        sum(t.rows for t in timings.values()),
        sum(t.seconds for t in timings.values()),
        sum(t.cpu_seconds for t in timings.values()),
    )


def print_report(
    raw: dict[str, Timing], ingest: dict[str, Timing], pg: dict[str, Timing] | None = None
) -> None:
    """A table per contract table and in total: rows, seconds (CPU seconds), rows/s of each measure,
    and the ingest's rate over the raw rate (wall, and CPU)."""
    head = (
        f"{'table':<24}{'rows':>11}  {'raw s (cpu)':>13}{'raw rows/s':>12}  "
        f"{'ingest s (cpu)':>15}{'ingest rows/s':>14}{'ratio':>7}{'cpu ratio':>10}"
    )
    if pg is not None:
        head += f"  {'pg s':>7}{'pg rows/s':>11}{'pg ratio':>9}"
    print(head)
    print("-" * len(head))
    names = [t.name for t in load_order() if t.name in raw]
    for name, r, i, p in [(n, raw[n], ingest[n], (pg or {}).get(n)) for n in names] + [
        ("total", _total(raw), _total(ingest), _total(pg) if pg else None)
    ]:
        line = (
            f"{name:<24}{r.rows:>11,}  {r.seconds:>6.2f} ({r.cpu_seconds:>4.2f}){r.rows_per_s:>12,.0f}  "
            f"{i.seconds:>7.2f} ({i.cpu_seconds:>5.2f}){i.rows_per_s:>14,.0f}"
            f"{_ratio(i.rows_per_s, r.rows_per_s):>7.2f}{_ratio(r.cpu_seconds, i.cpu_seconds):>10.2f}"
        )
        if p is not None:
            line += f"  {p.seconds:>7.2f}{p.rows_per_s:>11,.0f}{_ratio(p.rows_per_s, r.rows_per_s):>9.2f}"
        print(line)


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _warm(landing: Path) -> None:
    """Read every landing file once, so that neither measure pays for the disk and the first one
    measured is not the slower for it."""
    for path in landing.rglob("*.parquet"):
        with path.open("rb") as fh:
            while fh.read(1 << 22):
                pass


def _run(landing: Path, work: Path, with_pg: bool) -> dict[str, dict[str, Timing]]:
    steps: dict[str, Callable[[], dict[str, Timing]]] = {
        "raw": lambda: measure_raw_read(landing, work / "raw.duckdb"),
        "ingest": lambda: measure_ingest(landing, work / "warehouse.duckdb"),
    }
    if with_pg:
        steps["pg"] = lambda: measure_ingest_postgres(landing)
    return {name: step() for name, step in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs of the measurement (default 1)")
    parser.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="where the simulated city is kept and reused (default: <tmp>/emias-bench/ingest-...)",
    )
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.gettempdir()) / "emias-bench" / (
        f"ingest-scale{args.scale}-days{args.days}-seed{args.seed}"
    )
    landing = simulated_city(folder, scale=args.scale, days=args.days, seed=args.seed)
    with_pg = bool(os.environ.get("PGHOST"))
    _warm(landing)
    runs = []
    with tempfile.TemporaryDirectory(prefix="emias-bench-ingest-") as work:
        for n in range(1, args.repeat + 1):
            load = _load_average()
            run = _run(landing, Path(work), with_pg)
            print(f"\nrun {n} of {args.repeat} (load average before: {load}; after: {_load_average()})")
            print_report(run["raw"], run["ingest"], run.get("pg"))
            runs.append(run)
    ratios = [_total(r["ingest"]).rows_per_s / _total(r["raw"]).rows_per_s for r in runs]
    cpu = [_total(r["raw"]).cpu_seconds / _total(r["ingest"]).cpu_seconds for r in runs]
    print(
        f"\ningest / raw read over {len(runs)} run(s): ratio min {min(ratios):.2f}, "
        f"median {statistics.median(ratios):.2f}, max {max(ratios):.2f}; "
        f"CPU ratio min {min(cpu):.2f}, median {statistics.median(cpu):.2f}, max {max(cpu):.2f}"
    )
    print(
        json.dumps(
            {
                "scale": args.scale,
                "days": args.days,
                "ratios": ratios,
                "cpu_ratios": cpu,
                "runs": [{k: {t: asdict(v) for t, v in m.items()} for k, m in r.items()} for r in runs],
            }
        )
    )


if __name__ == "__main__":
    main()
