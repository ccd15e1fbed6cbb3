"""Benchmark of the warehouse build (on demand, not in CI): a full build, and a one-day incremental build
after 30 and after 365 days of history.

    .venv/bin/python bench/build.py --scale 0.05 [--history 30 365] [--out DIR]

For each history length H it simulates H + 1 days, builds the first H days with `emias build` (the full
build: ingest and every model), then lands the last day and builds that day alone (`build(partition=day)`:
the reference snapshots again, the ingest of the day, the models built whole, and the daily models over
that one day), and prints each step's time. The incremental time must not grow with history by more
than 1.5x between the shortest and the longest history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

START = dt.date(2025, 1, 6)


def _run(scale: float, history: int, folder: Path) -> dict[str, float]:
    from pipelines.build import build
    from services.simulator import simulate

    data = folder / f"h{history}"
    staged = folder / f"h{history}_staged"
    t = time.perf_counter()
    simulate(staged / "landing", scale=scale, start=START, days=history + 1, seed=7)
    simulated = time.perf_counter() - t
    last = START + dt.timedelta(days=history)
    # hold the last day back: the full build sees `history` days
    (data / "landing").mkdir(parents=True)
    for entry in (staged / "landing").iterdir():
        target = data / "landing" / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, ignore=shutil.ignore_patterns(f"date={last.isoformat()}"))
        else:  # the city's description (_city.json)
            shutil.copy2(entry, target)
    os.environ["EMIAS_DATA_DIR"] = str(data)
    os.environ["DAGSTER_HOME"] = str(data / "dagster_home")
    os.environ.pop("EMIAS_DUCKDB_PATH", None)
    t = time.perf_counter()
    full_report = build("duckdb")
    full = time.perf_counter() - t
    for table_dir in (staged / "landing").iterdir():
        if not table_dir.is_dir():
            continue
        day_dir = table_dir / f"date={last.isoformat()}"
        if day_dir.exists():
            shutil.copytree(day_dir, data / "landing" / table_dir.name / day_dir.name)
    t = time.perf_counter()
    day_report = build("duckdb", last)
    incremental = time.perf_counter() - t
    return {
        "history_days": history,
        "simulate_s": simulated,
        "full_build_s": full,
        "one_day_build_s": incremental,
        "full_build_steps_s": full_report.seconds,
        "one_day_build_steps_s": day_report.seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--history", type=int, nargs="+", default=[30, 365])
    parser.add_argument(
        "--out", type=Path, default=None, help="keep the cities here (default: a temp folder)"
    )
    args = parser.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="emias-bench-build-"))
    results = [_run(args.scale, h, folder) for h in sorted(args.history)]
    for r in results:
        print(
            f"history {r['history_days']:>4} days: full build {r['full_build_s']:8.1f} s, "
            f"one-day build {r['one_day_build_s']:7.1f} s (simulated in {r['simulate_s']:.1f} s)"
        )
    steps = list(results[0]["one_day_build_steps_s"])
    print("one-day build by step (s): " + " | ".join(steps))
    for r in results:
        by_step = " | ".join(f"{r['one_day_build_steps_s'].get(s, 0.0):.1f}" for s in steps)
        print(f"  history {r['history_days']:>4} days: {by_step}")
    growth = results[-1]["one_day_build_s"] / results[0]["one_day_build_s"]
    print(
        f"one-day build growth from {results[0]['history_days']} to "
        f"{results[-1]['history_days']} days: {growth:.2f}x"
    )
    print(json.dumps({"scale": args.scale, "results": results, "growth": growth}))
    if not args.out:
        shutil.rmtree(folder, ignore_errors=True)
    raise SystemExit(0 if growth <= 1.5 else 1)


if __name__ == "__main__":
    main()
