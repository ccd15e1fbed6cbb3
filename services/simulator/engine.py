"""The run: checks the arguments and the landing folder, generates the days in worker processes, writes the
partitions and the snapshots.

Service days and partitions. A run over days A..B generates "service days" (the days slots take place) from
a week before A (their prescriptions are dispensed within A..B) to five weeks after B (their slots are
published and booked within A..B), and routes every event to the partition of the date it occurred. A
partition is written once no later service day can add to it.

Warm start (the forward book). A city does not open on an empty calendar: on its first day (the epoch, A of
the first run) the slots of the next five weeks are already published and many booked. The first run
therefore also exports the partitions of the 35 days before A (`forward_book_from` .. A-1 in `_city.json`).
They hold only what happened then for services on or after A: `slot_published`, `appointment_booked` and
`appointment_cancelled`, and the admissions and transfers of the stays still in hospital on A (the
hospitals open occupied; the other tables have empty files for those days). A is the first full day
(`first_full_day`): readers count activity (visits, no-shows, load) from A on, and lead times by the slot's
day, which from A on include the bookings made before it. Every event still lands in the partition of its
`occurred_at` day and references only rows of the same or earlier partitions.

Workers. Service days are independent (every draw is keyed by seed, day and purpose), so they are
generated in a pool of forked worker processes that share the city read-only. Each worker stages the pieces
of a service day per (table, partition) as Arrow IPC files in `<landing>/_staging`; a partition is then
assembled by a worker from its pieces in service-day order and written as Parquet. The rows and their order
are the same whatever the number of workers, and so are continued runs and one long run.

Snapshots. The reference snapshots depend only on the city and the run's last day; each is rewritten only
when its content changed (`output.write_snapshot`).

Known simplification: `appointment_booked.referral_id` is always null. Referrals are issued at encounters
(`referral_issued`), but linking one to the later booking it leads to would make a day depend on earlier
days, which the stateless per-day design avoids. A planned admission does name its referral: both are
drawn with the stay (`hospitals.py`), the referral visit on its day and the admission on its own.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing
import numbers
import os
import shutil
import sys
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.contract import CONTRACT_VERSION, arrow_schema, table, transaction_tables
from services.contract.landing import CITY_MANIFEST, reference_dir, transaction_dir
from services.simulator import workdays
from services.simulator.city import MAX_AHEAD, ORD_1970, City, build_city
from services.simulator.day import DAY_S, DISPENSE_MAX_DELAY, generate_day
from services.simulator.output import read_staged, stage, to_arrow, write_parquet, write_snapshot
from services.simulator.reference import reference_tables

MAX_SCALE = 2.0
MAX_DEFAULT_WORKERS = 4  # each worker holds a day's arrays (~0.5 GB at scale 1.0) beside the shared city
PART = "part-0.parquet"
STAGING = "_staging"
# the forward book: what happened before the first day for later services, and the stays still in hospital
# on the first day (their admissions and transfers)
FORWARD_BOOK_TABLES = (
    "slot_published",
    "appointment_booked",
    "appointment_cancelled",
    "hospital_admitted",
    "patient_transferred",
)

_CITY: City | None = None  # the city of the running simulation, inherited by the forked workers
# Workers are forked (they share the city's memory); fork is safe on Linux only (macOS frameworks are not
# fork-safe, Windows has none): elsewhere the days are generated in this process, with the same output.
_CAN_FORK = sys.platform.startswith("linux")


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


def default_workers() -> int:
    """Worker processes used when none are asked for: the cores this process may use, at most 4 (one, in
    this process, where workers cannot be forked)."""
    if not _CAN_FORK:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_DEFAULT_WORKERS))


def _check_arguments(scale, start, days, seed, workers) -> tuple[float, dt.date, int, int, int]:
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale):
        raise SimulationError(f"scale must be a number, got {scale!r}")
    if scale <= 0 or scale > MAX_SCALE:
        raise SimulationError(f"scale must be above 0 and at most {MAX_SCALE} (1.0 is Moscow), got {scale}")
    start = parse_start(start)
    if isinstance(days, bool) or not isinstance(days, numbers.Integral) or days < 1:
        raise SimulationError(f"days must be a whole number of at least 1, got {days!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise SimulationError(f"seed must be a whole number of at least 0, got {seed!r}")
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise SimulationError(f"workers must be a whole number of at least 1, got {workers!r}")
    first = dt.date(workdays.FIRST_YEAR + 1, 1, 1)
    last = dt.date(workdays.LAST_YEAR, 12, 31) - dt.timedelta(MAX_AHEAD)
    if not first <= start or start + dt.timedelta(int(days) - 1) > last:
        raise SimulationError(f"the simulated days must fall within {first}..{last}, got {days} from {start}")
    return float(scale), start, int(days), int(seed), int(workers)


def _city_epoch(landing: Path, seed: int, scale: float, start: dt.date) -> dt.date:
    """The folder's epoch (its first full day); refuses a folder that holds another city."""
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
        "first_full_day": start.isoformat(),
        "forward_book_from": (start - dt.timedelta(MAX_AHEAD)).isoformat(),
        "forward_book_tables": list(FORWARD_BOOK_TABLES),
        "contract_version": CONTRACT_VERSION,
        "producer": "services.simulator",
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return start


@dataclass(frozen=True)
class _Plan:
    """What a run writes (partitions first..last) and generates (service days s_from..s_to; s > full_to
    only up to their bookings)."""

    first: int
    last: int
    s_from: int
    s_to: int
    full_to: int

    @classmethod
    def of(cls, epoch: dt.date, start: dt.date, days: int) -> _Plan:
        first, last = start.toordinal(), start.toordinal() + days - 1
        # the first run of a city also writes the forward book: the days before it that its bookings fill
        written_from = first - MAX_AHEAD if start == epoch else first
        s_from = max(first - DISPENSE_MAX_DELAY, epoch.toordinal())
        return cls(written_from, last, s_from, last + MAX_AHEAD, last)


# ------------------------------------------------------------------------------------------- the tasks
# Module-level functions: a forked worker runs them on the city it inherited (`_CITY`).


def _stage_service_day(s: int, plan: _Plan, staging: Path) -> dict[str, dict[int, tuple[int, int]]]:
    """Generate service day s and stage its rows of the run's partitions, one file per table, sorted by
    partition day. Returns, per table, where each day's rows are in its file (first batch, batches)."""
    where = {}
    for name, cols in generate_day(_CITY, s, full=s <= plan.full_to).items():
        day = cols["occurred_at"] // DAY_S + ORD_1970
        keep = np.flatnonzero((day >= plan.first) & (day <= plan.last))
        if len(keep) == 0:
            continue
        # a stable sort of small integers is a radix sort in numpy: linear in the rows
        keep = keep[np.argsort((day[keep] - s).astype(np.int16), kind="stable")]
        tbl = to_arrow(name, {k: v[keep] for k, v in cols.items()}, _CITY.pat_ids)
        where[name] = stage(tbl, day[keep], _staged(staging, name, s))
    return where


def _staged(staging: Path, name: str, s: int) -> Path:
    return staging / name / f"{s}.arrow"


def _write_partition(d: int, parts: dict[str, list[tuple[Path, int, int]]], landing: Path) -> dict[str, int]:
    """Write partition d of every transaction table from its staged batches (in service-day order)."""
    counts = {}
    for t in transaction_tables():
        tbl = read_staged(parts.get(t.name, []), arrow_schema(table(t.name)))
        counts[t.name] = tbl.num_rows
        write_parquet(tbl, transaction_dir(landing, t.name, dt.date.fromordinal(d)) / PART)
    return counts


def _write_snapshots(landing: Path, end: dt.date) -> dict[str, int]:
    """The reference snapshots as of the run's last day, each written only if its content changed."""
    counts = {}
    for name, tbl in reference_tables(_CITY, end).items():
        write_snapshot(tbl, reference_dir(landing, name) / PART)
        counts[name] = tbl.num_rows
    return counts


class _InProcess(Executor):
    """One worker: the tasks run at once in this process (no fork), with the same code and output."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:  # handed to the caller through the future, as a pool would
            future.set_exception(e)
        return future


def _executor(workers: int) -> Executor:
    if workers == 1 or not _CAN_FORK:
        return _InProcess()
    # fork shares the city's arrays with the workers without copying them (they only read it)
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


class _Staged:
    """Where each partition's rows wait (file, batches) and how many partitions still need each file."""

    def __init__(self, staging: Path):
        self.staging = staging
        self.parts: dict[int, dict[str, list[tuple[Path, int, int]]]] = {}
        self.readers: dict[Path, int] = {}

    def add(self, s: int, where: dict[str, dict[int, tuple[int, int]]]) -> None:
        for name, days in where.items():
            path = _staged(self.staging, name, s)
            self.readers[path] = len(days)
            for d, (first, count) in days.items():
                self.parts.setdefault(d, {}).setdefault(name, []).append((s, path, first, count))

    def take(self, d: int) -> dict[str, list[tuple[Path, int, int]]]:
        """Partition d's batches in service-day order (the order rows had in one long run)."""
        return {
            name: [(path, first, count) for _, path, first, count in sorted(rows, key=lambda r: r[0])]
            for name, rows in self.parts.pop(d, {}).items()
        }

    def release(self, parts: dict[str, list[tuple[Path, int, int]]]) -> None:
        """A partition is written: drop the files no other partition needs."""
        for rows in parts.values():
            for path, _, _ in rows:
                self.readers[path] -= 1
                if self.readers[path] == 0:
                    del self.readers[path]
                    path.unlink()


def _run(pool: Executor, plan: _Plan, landing: Path, staging: Path, workers: int) -> dict[str, int]:
    """Generate the service days in order, writing each partition as soon as its last service day is done."""
    counts = dict.fromkeys((t.name for t in transaction_tables()), 0)
    snapshots = pool.submit(_write_snapshots, landing, dt.date.fromordinal(plan.last))
    staged = _Staged(staging)
    todo = iter(range(plan.s_from, plan.s_to + 1))
    generating: dict[Future, int] = {}
    writing: dict[Future, dict] = {}
    done: set[int] = set()
    frontier = plan.s_from - 1  # every service day up to here is staged
    next_partition = plan.first
    exhausted = False
    while not exhausted or generating or writing:
        while not exhausted and len(generating) < workers + 1:  # bounds the staged days ahead
            s = next(todo, None)
            if s is None:
                exhausted = True
                break
            generating[pool.submit(_stage_service_day, s, plan, staging)] = s
        finished, _ = wait(set(generating) | set(writing), return_when=FIRST_COMPLETED)
        for f in finished:
            result = f.result()  # a worker's error stops the run here
            if f in generating:
                s = generating.pop(f)
                staged.add(s, result)
                done.add(s)
            else:
                staged.release(writing.pop(f))
                for name, n in result.items():
                    counts[name] += n
        while frontier + 1 in done:
            frontier += 1
        # partition d can take rows from service days up to d + MAX_AHEAD
        while next_partition <= plan.last and min(next_partition + MAX_AHEAD, plan.s_to) <= frontier:
            parts = staged.take(next_partition)
            writing[pool.submit(_write_partition, next_partition, parts, landing)] = parts
            next_partition += 1
    counts.update(snapshots.result())
    return counts


def simulate(
    landing: Path, *, scale: float, start: dt.date, days: int, seed: int = 42, workers: int | None = None
) -> dict[str, int]:
    """Simulate days start..start+days-1 of the city (seed, scale) into the landing folder.

    Writes each day's transactions to `<table>/date=YYYY-MM-DD/part-0.parquet`, the reference snapshots to
    `<table>/part-0.parquet` (only those whose content changed), and `_city.json`; the first run of a city
    also writes the forward book (the 35 days before its first day; see the module notes). `workers`
    processes generate the days (default: the usable cores, at most 4); the rows do not depend on it.
    Returns the rows written per transaction table and the rows of each snapshot.
    """
    global _CITY
    scale, start, days, seed, workers = _check_arguments(scale, start, days, seed, workers)
    landing = Path(landing)
    if landing.exists() and not landing.is_dir():
        raise SimulationError(f"{landing} is not a folder")
    epoch = _city_epoch(landing, seed, scale, start)
    staging = landing / STAGING
    shutil.rmtree(staging, ignore_errors=True)  # what an interrupted run left
    _CITY = build_city(seed, scale, epoch)
    try:
        with _executor(workers) as pool:
            try:
                return _run(pool, _Plan.of(epoch, start, days), landing, staging, workers)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # the queued days are not worth running
                raise
    finally:
        _CITY = None
        shutil.rmtree(staging, ignore_errors=True)
