"""Benchmark of the city simulator (run on demand, not in CI).

    .venv/bin/python bench/simulate.py --scale 0.1 --days 365 [--out DIR] [--keep]

Reports rows per table, rows per second, bytes on disk, wall time and peak memory (RSS), and extrapolates
linearly to a Moscow year (scale 1.0, 365 days). The output goes to a temporary folder (or --out) and is
deleted afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.simulator import simulate  # noqa: E402


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _load() -> str:
    # other work on the machine slows the wall time; the load average says how much
    return " ".join(f"{x:.1f}" for x in psutil.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--start", default="2025-01-01")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path, default=None, help="landing folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the output")
    args = ap.parse_args()

    root = args.out or Path(tempfile.mkdtemp(prefix="emias-bench-"))
    landing = root / "landing" if args.out is None else root
    proc = psutil.Process()
    base_rss = proc.memory_info().rss
    peak = [base_rss]
    running = True

    def sample() -> None:  # RSS sampled as well as getrusage, to see the peak above the start
        while running:
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    start_usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = start_usage.ru_utime + start_usage.ru_stime
    t0 = time.perf_counter()
    counts = simulate(
        landing, scale=args.scale, start=dt.date.fromisoformat(args.start), days=args.days, seed=args.seed
    )
    wall = time.perf_counter() - t0
    running = False
    watcher.join()
    peak_rss = max(peak[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    size = _folder_bytes(landing)
    total = sum(counts.values())

    print(f"simulate --scale {args.scale} --days {args.days} --start {args.start} --seed {args.seed}")
    print(f"{'table':<24}{'rows':>14}{'rows/s':>14}")
    for name, n in counts.items():
        print(f"{name:<24}{n:>14,}{n / wall:>14,.0f}")
    print(f"{'all tables':<24}{total:>14,}{total / wall:>14,.0f}")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    print(f"wall time      {wall:,.1f} s (CPU {cpu:,.1f} s on {psutil.cpu_count()} cores; load {_load()})")
    print(f"bytes on disk  {size / 1e9:,.3f} GB ({size / max(total, 1):.1f} bytes a row)")
    print(f"peak RSS       {peak_rss / 2**30:,.2f} GiB (at start {base_rss / 2**30:,.2f} GiB)")
    factor = (1.0 / args.scale) * (365 / args.days)
    print(
        f"extrapolated to scale 1.0 x 365 days (linear): ~{wall * factor / 60:,.1f} min, "
        f"~{size * factor / 1e9:,.1f} GB, ~{total * factor / 1e6:,.0f}M rows, "
        f"peak RSS ~{(base_rss + (peak_rss - base_rss) / args.scale) / 2**30:,.1f} GiB"
    )
    if not args.keep:
        shutil.rmtree(landing if args.out else root, ignore_errors=True)


if __name__ == "__main__":
    main()
