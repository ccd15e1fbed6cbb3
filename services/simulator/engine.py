"""The run: checks the arguments and the landing folder, streams the days, writes partitions and snapshots.

A run over days A..B generates "service days" (the days slots take place) from a week before A (their
prescriptions are dispensed within A..B) to five weeks after B (their slots are published and booked within
A..B), and routes every event to the partition of the date it occurred. A partition is written as soon as no
later service day can add to it, so memory holds about five weeks of future bookings, not the whole run.

Known simplification: `appointment_booked.referral_id` is always null. Referrals are issued at encounters
(`referral_issued`), but linking one to the later booking it leads to would make a day depend on earlier
days, which the stateless per-day design avoids.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from services.contract import CONTRACT_VERSION, arrow_schema, table, transaction_tables
from services.contract.landing import CITY_MANIFEST, reference_dir, transaction_dir
from services.simulator.city import MAX_AHEAD, ORD_1970, build_city
from services.simulator.day import DAY_S, DISPENSE_MAX_DELAY, generate_day
from services.simulator.output import to_arrow, write_parquet
from services.simulator.reference import reference_tables

MAX_SCALE = 2.0
PART = "part-0.parquet"


class SimulationError(ValueError):
    """Bad input to the simulator; the message is one line, fit to print without a traceback."""


def parse_start(text: str | dt.date) -> dt.date:
    """A start day from YYYY-MM-DD text (or a date), or a SimulationError naming the expected format."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if isinstance(text, str):
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise SimulationError(f"start must be a date written YYYY-MM-DD, got {text!r}")


def _check_arguments(scale, start, days, seed) -> tuple[float, dt.date, int, int]:
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale):
        raise SimulationError(f"scale must be a number, got {scale!r}")
    if scale <= 0 or scale > MAX_SCALE:
        raise SimulationError(f"scale must be above 0 and at most {MAX_SCALE} (1.0 is Moscow), got {scale}")
    start = parse_start(start)
    if isinstance(days, bool) or not isinstance(days, numbers.Integral) or days < 1:
        raise SimulationError(f"days must be a whole number of at least 1, got {days!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise SimulationError(f"seed must be a whole number of at least 0, got {seed!r}")
    return float(scale), start, int(days), int(seed)


def _city_epoch(landing: Path, seed: int, scale: float, start: dt.date) -> dt.date:
    """The folder's epoch (its first simulated day); refuses a folder that holds another city."""
    path = landing / CITY_MANIFEST
    if path.exists():
        try:
            manifest = json.loads(path.read_text())
            old_seed, old_scale = int(manifest["seed"]), float(manifest["scale"])
            epoch = dt.date.fromisoformat(manifest["epoch"])
        except (ValueError, KeyError, TypeError) as e:
            raise SimulationError(
                f"{path} is not a readable city manifest ({e}); use an empty folder"
            ) from None
        if old_seed != seed or not math.isclose(old_scale, scale):
            raise SimulationError(
                f"{landing} holds another city (seed {old_seed}, scale {old_scale}); "
                f"asked for seed {seed}, scale {scale}: use another folder or the same seed and scale"
            )
        if start < epoch:
            raise SimulationError(
                f"{landing} holds a city that starts on {epoch}; a run cannot start before it (got {start})"
            )
        return epoch
    landing.mkdir(parents=True, exist_ok=True)
    manifest = {
        "seed": seed,
        "scale": scale,
        "epoch": start.isoformat(),
        "contract_version": CONTRACT_VERSION,
        "producer": "services.simulator",
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return start


def simulate(landing: Path, *, scale: float, start: dt.date, days: int, seed: int = 42) -> dict[str, int]:
    """Simulate days start..start+days-1 of the city (seed, scale) into the landing folder.

    Writes each day's transactions to `<table>/date=YYYY-MM-DD/part-0.parquet`, the reference snapshots to
    `<table>/part-0.parquet`, and `_city.json`; returns the rows written per table.
    """
    scale, start, days, seed = _check_arguments(scale, start, days, seed)
    landing = Path(landing)
    if landing.exists() and not landing.is_dir():
        raise SimulationError(f"{landing} is not a folder")
    epoch = _city_epoch(landing, seed, scale, start)
    city = build_city(seed, scale, epoch)
    first, last = start.toordinal(), start.toordinal() + days - 1
    names = [t.name for t in transaction_tables()]
    counts = dict.fromkeys(names, 0)
    pending: dict[int, dict[str, list[dict[str, np.ndarray]]]] = {}
    writes: deque[Future] = deque()

    def flush(d: int, pool: ThreadPoolExecutor) -> None:
        parts = pending.pop(d, {})
        for name in names:
            chunks = parts.get(name, [])
            if chunks:
                cols = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
                tbl = to_arrow(name, cols, city.pat_ids)  # rows in order of service day, then as generated
            else:
                tbl = arrow_schema(table(name)).empty_table()
            counts[name] += tbl.num_rows
            path = transaction_dir(landing, name, dt.date.fromordinal(d)) / PART
            writes.append(pool.submit(write_parquet, tbl, path))
        while len(writes) > 2 * len(names):  # bound the tables waiting to be written
            writes.popleft().result()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for s in range(max(first - DISPENSE_MAX_DELAY, city.epoch_ord), last + MAX_AHEAD + 1):
            for name, cols in generate_day(city, s, full=s <= last).items():
                day = cols["occurred_at"] // DAY_S + ORD_1970
                keep = np.flatnonzero((day >= first) & (day <= last))
                if len(keep) == 0:
                    continue
                # a stable sort of small integers is a radix sort in numpy: linear in the rows
                keep = keep[np.argsort((day[keep] - s).astype(np.int16), kind="stable")]
                bounds = np.flatnonzero(np.diff(day[keep])) + 1
                for idx in np.split(keep, bounds):
                    d = int(day[idx[0]])
                    pending.setdefault(d, {}).setdefault(name, []).append(
                        {k: v[idx] for k, v in cols.items()}
                    )
            done = s - MAX_AHEAD  # no later service day adds to this partition
            if first <= done <= last:
                flush(done, pool)
        for d in sorted(pending):  # nothing should remain; kept as a guard
            if first <= d <= last:
                flush(d, pool)
        while writes:
            writes.popleft().result()

    for name, tbl in reference_tables(city, dt.date.fromordinal(last)).items():
        write_parquet(tbl, reference_dir(landing, name) / PART)
        counts[name] = tbl.num_rows
    return counts
