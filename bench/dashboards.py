"""Benchmark of the dashboards' data time per page (run on demand, not in CI).

    .venv/bin/python bench/dashboards.py --data-dir DIR            # an existing built city
    .venv/bin/python bench/dashboards.py --scale 0.1 [--days 365]  # simulate and build one in a temp folder

Each page is rendered headless (streamlit.testing) as a leader on the default view (last 12 months, the
whole city; the facility pages on the first adult polyclinic) twice: first with the readers' caches
cleared (cold), then again (warm, everything cached). The page's data time is cold minus warm: what the
cached readers cost (marts read, aggregated, suppressed), without the rendering both runs share.
Target: <= 300 ms per page at --scale 0.1.
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


def _render(page: str, facility_id: int):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=300)
    app.session_state["user"] = {"name": "bench", "role": "leader", "facility_id": None, "display_name": None}
    if page.startswith("facility"):
        app.session_state["filter_facility"] = str(facility_id)
    app.run()
    started = time.perf_counter()
    app.switch_page(f"views/{page}.py").run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(f"{page}: {app.exception[0].value}")
    return elapsed


def bench_pages(repeats: int) -> list[tuple[str, float, float]]:
    import duckdb
    import streamlit as st

    from dashboards.roles import PAGES
    from warehouse import get_settings

    con = duckdb.connect(str(get_settings().duckdb_path), read_only=True)
    facility_id = con.execute(
        "select min(facility_id) from marts.dim_facilities where facility_kind = 'adult_polyclinic'"
    ).fetchone()[0]
    con.close()
    # imports, the register definitions (read once per process) and first-use costs are nobody's page
    for spec in PAGES:
        _render(spec.key, facility_id)
    results = []
    for spec in PAGES:
        cold, warm = [], []
        for _ in range(repeats):
            st.cache_data.clear()
            cold.append(_render(spec.key, facility_id))
            warm.append(_render(spec.key, facility_id))
        results.append((spec.title, statistics.median(cold), statistics.median(warm)))
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
    print(f"\n{'page':<30} {'cold ms':>8} {'warm ms':>8} {'data ms':>8}")
    worst = 0.0
    for title, cold, warm in results:
        data_ms = max(cold - warm, 0) * 1000
        worst = max(worst, data_ms)
        print(f"{title:<30} {cold * 1000:8.0f} {warm * 1000:8.0f} {data_ms:8.0f}")
    print(f"\nslowest page data time {worst:.0f} ms (target <= {TARGET_MS} ms)")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
