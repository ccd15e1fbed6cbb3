"""Benchmark of the city simulator (run on demand, not in CI).

    nice -n 10 .venv/bin/python bench/simulate.py --scale 1.0 --days 28 [--workers N] [--out DIR] [--keep]

Prints, as a table, the rows and bytes on disk of every table with rows per second, then the wall time, the
CPU time of the run and its workers, the machine's load average (other work slows the wall time), and the
peak memory of the whole process tree: PSS (each shared page counted once, shared between the processes
that map it: the forked workers share the city) and, for comparison, the sum of RSS (shared pages counted
in every process). Then a linear extrapolation to a Moscow year (scale 1.0, 365 days), which overestimates
a little: the city is built and the forward book generated once per run, not per day. The output goes to a
temporary folder (or --out) and is deleted afterwards unless --keep is given.
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

from services.contract import TABLES  # noqa: E402
from services.simulator import simulate  # noqa: E402
from services.simulator.engine import default_workers  # noqa: E402


class TreeMemory:
    """Samples the memory of this process and its children (the workers) until stopped."""

    def __init__(self, every: float = 0.25):
        self.proc = psutil.Process()
        self.every = every
        self.peak_pss = self.peak_rss = 0
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while self._running:
            pss = rss = 0
            for p in [self.proc, *self.proc.children(recursive=True)]:
                try:
                    info = p.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                pss += info.pss
                rss += info.rss
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            time.sleep(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._running = False
        self._thread.join()


def _bytes(landing: Path, name: str) -> int:
    return sum(p.stat().st_size for p in (landing / name).rglob("*.parquet"))


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...], numbers: bool = True) -> str:
    """Plain text columns: the first left-aligned, the others right-aligned when they hold numbers."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    align = ["<"] + [">" if numbers else "<"] * (len(header) - 1)
    fmt = "  ".join(f"{{:{a}{w}}}" for a, w in zip(align, widths, strict=True))
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    return "\n".join(lines + [fmt.format(*r) for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--start", default="2025-01-01")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", type=int, default=None, help=f"processes (default {default_workers()})")
    ap.add_argument("--out", type=Path, default=None, help="landing folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the output")
    args = ap.parse_args()

    root = args.out or Path(tempfile.mkdtemp(prefix="emias-bench-"))
    landing = root / "landing" if args.out is None else root
    load_before = psutil.getloadavg()
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    with TreeMemory() as memory:
        counts = simulate(
            landing,
            scale=args.scale,
            start=dt.date.fromisoformat(args.start),
            days=args.days,
            seed=args.seed,
            workers=args.workers,
        )
    wall = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    load_after = psutil.getloadavg()

    sizes = {name: _bytes(landing, name) for name in counts}
    rows = [
        (name, f"{n:,}", f"{n / wall:,.0f}", f"{sizes[name] / 1e6:,.1f}", TABLES[name].kind)
        for name, n in counts.items()
    ]
    total, size = sum(counts.values()), sum(sizes.values())
    rows.append(("all tables", f"{total:,}", f"{total / wall:,.0f}", f"{size / 1e6:,.1f}", ""))
    workers = args.workers or default_workers()
    print(f"simulate --scale {args.scale} --days {args.days} --start {args.start} --seed {args.seed}")
    print(_table(rows, ("table", "rows", "rows/s", "MB on disk", "kind")))
    print()
    factor = (1.0 / args.scale) * (365 / args.days)
    events = sum(n for name, n in counts.items() if TABLES[name].kind == "transaction")
    loads = " / ".join(" ".join(f"{x:.1f}" for x in la) for la in (load_before, load_after))
    summary = [
        ("wall time", f"{wall:,.1f} s"),
        ("CPU time (run and workers)", f"{cpu:,.1f} s on {psutil.cpu_count()} cores, {workers} workers"),
        ("load average (1, 5, 15 min) before / after", loads),
        ("bytes on disk", f"{size / 1e9:,.3f} GB ({size / max(total, 1):.1f} bytes a row)"),
        (
            "peak memory of the process tree",
            f"{memory.peak_pss / 2**30:,.2f} GiB PSS ({memory.peak_rss / 2**30:,.2f} GiB RSS summed)",
        ),
        (
            "linear extrapolation to scale 1.0 x 365 days",
            f"~{wall * factor / 60:,.1f} min wall, ~{events * factor / 1e6:,.0f}M transaction rows",
        ),
    ]
    print(_table(summary, ("measure", "value"), numbers=False))
    if not args.keep:
        shutil.rmtree(landing if args.out else root, ignore_errors=True)


if __name__ == "__main__":
    main()
