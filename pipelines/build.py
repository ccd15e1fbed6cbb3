"""Run the `build` job in this process: what `emias build` and the tests call.

The job is the one definition of a build (pipelines/schedules.py); the schedule, the sensor and the UI's
backfills run the same job. This module only chooses the run's days and tags, runs it, and reports.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import dagster as dg

from pipelines.instance import ensure_dagster_home
from pipelines.partitions import (
    FULL_REFRESH_TAG,
    ONLY_CHANGED_TAG,
    RANGE_TAGS,
    add_landed_days,
    landed_days,
    landing_days,
)
from pipelines.progress import Progress
from warehouse import get_settings


class BuildError(RuntimeError):
    """The build could not run (nothing landed, a failed step or check)."""


@dataclass
class BuildReport:
    """What a build did: the days it loaded (none: no day had changed), its checks that failed (errors) or
    warned, each step's wall time in seconds, and its Dagster run."""

    target: str
    days: list[dt.date]  # the days loaded
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each step, by its name
    run_id: str = ""


def _days(landed: list[dt.date], partition: dt.date | None, days: tuple[dt.date, dt.date] | None):
    """The days a build asks for: every landed day, or those named within the landed span (a day there
    with no files is asked for too: loading it clears what it held)."""
    if days is not None:
        first, last = days
    else:
        first, last = (partition, partition) if partition else (landed[0], landed[-1])
    if last < first:
        raise BuildError(f"the range {first} .. {last} ends before it starts")
    if last > landed[-1]:
        raise BuildError(f"{last} has not landed: the last landed day is {landed[-1]}")
    if first < landed[0]:
        raise BuildError(f"{first} is before the first landed day, {landed[0]}")
    if partition is None and days is None:
        return landed
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _tags(instance: dg.DagsterInstance, landed: list[dt.date], days: list[dt.date]) -> dict[str, str]:
    """The run's partitions: one day, or a range from the first day to the last. A range of a dynamic
    partitions definition runs in the order the partitions were added, so every landed day is added (in
    date order) before the days asked for; a range whose days were added out of order is refused."""
    add_landed_days(instance, landed)
    add_landed_days(instance, days)  # a day with no files within the landed span
    if len(days) == 1:
        return {"dagster/partition": days[0].isoformat()}
    keys = instance.get_dynamic_partitions(landed_days.name)
    span = keys[keys.index(days[0].isoformat()) : keys.index(days[-1].isoformat()) + 1]
    if span != [d.isoformat() for d in days]:
        raise BuildError(
            f"the partitions from {days[0]} to {days[-1]} were added out of date order: "
            "build those days one at a time (--partition)"
        )
    return dict(zip(RANGE_TAGS, (span[0], span[-1]), strict=True))


def _outcome(result: dg.ExecuteInProcessResult, report: BuildReport, load_log: dg.AssetKey) -> None:
    for ev in result.get_asset_check_evaluations():
        if not ev.passed:
            name = f"{ev.asset_key.to_user_string()}:{ev.check_name}"
            (report.warnings if ev.severity == dg.AssetCheckSeverity.WARN else report.failed_checks).append(
                name
            )
    for ev in result.all_events:
        if ev.event_type_value == "STEP_SUCCESS":
            report.seconds[ev.step_key] = ev.event_specific_data.duration_ms / 1000
    for mat in result.asset_materializations_for_node("transactions"):
        if mat.asset_key == load_log:  # its metadata names the days the run loaded
            report.days = [dt.date.fromisoformat(d) for d in mat.metadata["loaded_days"].value]


def build(
    target: str | None = None,
    partition: dt.date | None = None,
    *,
    days: tuple[dt.date, dt.date] | None = None,
    full_refresh: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the warehouse: every landed day whose files changed since it was loaded (the default), one day
    (`partition`) or the days of a range (`days`, first and last) whether they changed or not; then one dbt
    build over what was loaded. `full_refresh` reloads every landed day and rebuilds every model.

    Raises BuildError when nothing has landed, a step fails, or an error-severity check fails."""
    ensure_dagster_home()
    from pipelines.assets.ingest import LOAD_RECORDS
    from pipelines.definitions import defs
    from pipelines.resources import WarehouseResource, dbt_resource

    if full_refresh and (partition or days):
        raise BuildError("a full refresh reloads every landed day: give no day with it")
    settings = get_settings(target)
    landed = landing_days(settings.landing_dir)
    if not landed:
        raise BuildError(f"nothing has landed in {settings.landing_dir}: run `emias simulate` first")
    wanted = _days(landed, partition, days)
    instance = dg.DagsterInstance.get()
    tags = _tags(instance, landed, wanted)
    if partition is None and days is None and not full_refresh:
        tags[ONLY_CHANGED_TAG] = "true"
    if full_refresh:
        tags[FULL_REFRESH_TAG] = "true"
    report = BuildReport(target=settings.target, days=[])
    started = time.perf_counter()
    result = defs.resolve_job_def("build").execute_in_process(
        instance=instance,
        tags=tags,
        resources={
            "warehouse": WarehouseResource(target=settings.target),
            "dbt": dbt_resource(settings.target),
            "progress": progress or Progress(),
        },
        # the run's full event log stays in Dagster's store (emias ui); the terminal gets warnings only
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    report.seconds["run"] = time.perf_counter() - started
    report.run_id = result.run_id
    _outcome(result, report, LOAD_RECORDS[0].key)
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise BuildError(
            f"the build failed (steps: {', '.join(failed) or '?'}); see run {result.run_id} in `emias ui`"
        )
    if report.failed_checks:
        raise BuildError("failing checks: " + ", ".join(report.failed_checks))
    return report
