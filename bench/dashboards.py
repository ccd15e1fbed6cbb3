"""Benchmark of the dashboards' data time per page (run on demand, not in CI).

    .venv/bin/python bench/dashboards.py --data-dir DIR            # an existing built city
    .venv/bin/python bench/dashboards.py --scale 0.1 [--days 365]  # simulate and build one in a temp folder

Each page is rendered headless (streamlit.testing) as a leader on the default view (last 12 months, the
whole city; the facility pages on the first adult polyclinic), first with the readers' caches cleared
(cold), then again (warm). The page's data time is the time spent in the read layer's cached readers
(`dashboards.data`: marts read, aggregated, suppressed) during the cold render; the render time is the
whole page. Medians over --repeats. Target: data time <= 300 ms per page at --scale 0.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 300
APP = str(ROOT / "dashboards" / "app.py")


def build_city(folder: Path, scale: float, days: int) -> None:
    from pipelines.build import build
    from services.simulator import simulate

    os.environ["DAGSTER_HOME"] = str(folder / "dagster_home")
    started = time.perf_counter()
    simulate(folder / "landing", scale=scale, start=dt.date(2025, 1, 6), days=days, seed=7)
    print(f"simulated scale {scale}, {days} days in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    build("duckdb")
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


class _ReaderClock:
    """Times the outermost calls of the read layer's cached readers (nested readers are inside them)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._depth = 0

    def install(self) -> None:
        from dashboards import data

        for name in dir(data):
            reader = getattr(data, name)
            if callable(reader) and hasattr(reader, "clear"):  # st.cache_data / cache_resource functions
                setattr(data, name, self._timed(reader))

    def _timed(self, reader):
        def timed(*args, **kwargs):
            self._depth += 1
            started = time.perf_counter()
            try:
                return reader(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds += time.perf_counter() - started

        timed.clear = reader.clear  # the router releases the session's connection through it
        return timed


CLOCK = _ReaderClock()


def _render(page: str, facility_id: int, cold: bool):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=300)
    app.session_state["user"] = {"name": "bench", "role": "leader", "facility_id": None, "display_name": None}
    if page.startswith("facility"):
        app.session_state["filter_facility"] = str(facility_id)
    app.run()  # signs in and lands on the home page; the page under test comes next
    if cold:
        import streamlit as st

        st.cache_data.clear()
    CLOCK.seconds = 0.0
    started = time.perf_counter()
    app.switch_page(f"views/{page}.py").run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(f"{page}: {app.exception[0].value}")
    return elapsed, CLOCK.seconds


def bench_pages(repeats: int) -> list[tuple[str, float, float, float]]:
    import duckdb

    from dashboards.roles import PAGES
    from warehouse import get_settings

    con = duckdb.connect(str(get_settings().duckdb_path), read_only=True)
    facility_id = con.execute(
        "select min(facility_id) from marts.dim_facilities where facility_kind = 'adult_polyclinic'"
    ).fetchone()[0]
    con.close()
    CLOCK.install()
    # imports, the register definitions (read once per process) and first-use costs are nobody's page
    for spec in PAGES:
        _render(spec.key, facility_id, cold=False)
    results = []
    for spec in PAGES:
        cold, warm, data = [], [], []
        for _ in range(repeats):
            render, reading = _render(spec.key, facility_id, cold=True)
            cold.append(render)
            data.append(reading)
            warm.append(_render(spec.key, facility_id, cold=False)[0])
        results.append(
            (spec.title, statistics.median(data), statistics.median(cold), statistics.median(warm))
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a folder with a built warehouse (else one is made)")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary city")
    args = parser.parse_args()

    made = None
    if args.data_dir is None:
        made = Path(tempfile.mkdtemp(prefix="emias-bench-dashboards-"))
        os.environ["EMIAS_DATA_DIR"] = str(made)
        build_city(made, args.scale, args.days)
    else:
        os.environ["EMIAS_DATA_DIR"] = str(args.data_dir.resolve())
    try:
        results = bench_pages(args.repeats)
    finally:
        if made is not None and not args.keep:
            shutil.rmtree(made, ignore_errors=True)
    print(f"\n{'page':<30} {'data ms':>8} {'render cold':>12} {'render warm':>12}")
    worst = 0.0
    for title, data_s, cold, warm in results:
        worst = max(worst, data_s * 1000)
        print(f"{title:<30} {data_s * 1000:8.0f} {cold * 1000:12.0f} {warm * 1000:12.0f}")
    print(f"\nslowest page data time {worst:.0f} ms (target <= {TARGET_MS} ms)")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
