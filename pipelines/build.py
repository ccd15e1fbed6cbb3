"""Build the warehouse in process: load the landing folder into raw, then run dbt.

The command line (`emias build`) and the tests call `build()`; the Dagster UI runs the same assets.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from dataclasses import dataclass, field

import dagster as dg

from pipelines.instance import ensure_dagster_home
from services.contract import transaction_tables
from services.contract.landing import landed_days
from warehouse import get_settings

warnings.filterwarnings("ignore", category=dg.BetaWarning)


class BuildError(RuntimeError):
    """The build could not run (nothing landed, a day outside the partitions, a failed step)."""


@dataclass
class BuildReport:
    target: str
    days: list[dt.date]
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each step, by its label


def _check_outcomes(result: dg.ExecuteInProcessResult, report: BuildReport) -> None:
    for ev in result.get_asset_check_evaluations():
        if ev.passed:
            continue
        name = f"{ev.asset_key.to_user_string()}:{ev.check_name}"
        if ev.severity == dg.AssetCheckSeverity.WARN:
            report.warnings.append(name)
        else:
            report.failed_checks.append(name)


def _days_to_load(landing, partition: dt.date | None) -> list[dt.date]:
    from pipelines.partitions import daily_partitions

    if partition is not None:
        days = [partition]
    else:
        landed = sorted({d for t in transaction_tables() for d in landed_days(landing, t.name)})
        if not landed:
            raise BuildError(f"nothing has landed in {landing}: run `emias simulate` first")
        # a contiguous range: a day with no files is loaded as empty, which clears it
        days = [landed[0] + dt.timedelta(days=i) for i in range((landed[-1] - landed[0]).days + 1)]
    keys = daily_partitions.get_partition_keys()
    first, last = keys[0], keys[-1]
    outside = [d for d in days if not first <= d.isoformat() <= last]
    if outside:
        raise BuildError(
            f"day {outside[0]} is outside the pipeline's day partitions ({first} .. {last}): "
            "a day becomes a partition once it is over"
        )
    return days


def _api_store_exists() -> bool:
    from services.api.settings import Settings as ApiSettings

    api = ApiSettings()
    return bool(api.api_db_url) or (api.data_dir / "api.sqlite").exists()


def _with_outbox_days(warehouse, days: list[dt.date]) -> list[dt.date]:
    """Widen the day range to the days the outbox's rows fall on (within the day partitions)."""
    from pipelines.partitions import daily_partitions
    from warehouse.ingest import outbox_days

    last_partition = dt.date.fromisoformat(daily_partitions.get_last_partition_key())
    with warehouse.writer() as target:
        extra = [d for d in outbox_days(target) if d <= last_partition]
    if not extra:
        return days
    first, last = min(days[0], *extra), max(days[-1], *extra)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def build(target: str | None = None, partition: dt.date | None = None) -> BuildReport:
    """Load reference snapshots, the transaction days (all landed days, or one) and the API's outbox (when
    there is an API store), then `dbt build`: the models built whole, the daily models over the same days
    (one dbt run for the range, widened to the days the outbox's rows fall on), then what is built whole
    downstream of the daily models."""
    ensure_dagster_home()
    from pipelines.assets.ingest import reference_assets, transaction_assets
    from pipelines.assets.outbox import api_outbox
    from pipelines.assets.registers import register_definitions
    from pipelines.assets.warehouse_models import WINDOW_TAGS, daily_warehouse_models, warehouse_models
    from pipelines.resources import WarehouseResource, dbt_resource

    settings = get_settings(target)
    days = _days_to_load(settings.landing_dir, partition)
    resources = {"warehouse": WarehouseResource(target=settings.target), "dbt": dbt_resource(settings.target)}
    instance = dg.DagsterInstance.get()
    report = BuildReport(target=settings.target, days=days)

    def run(label: str, assets: list, selection=None, tags: dict | None = None) -> None:
        started = time.perf_counter()
        result = dg.materialize(
            assets,
            # the run's full event log stays in Dagster's store (emias ui); the terminal gets warnings only
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            resources=resources,
            instance=instance,
            tags=tags or {},
            selection=sorted(selection, key=lambda k: k.to_user_string()) if selection else None,
            raise_on_error=False,
        )
        report.seconds[label] = time.perf_counter() - started
        _check_outcomes(result, report)
        if not result.success:
            failed = [e.step_key for e in result.all_events if e.is_step_failure]
            raise BuildError(f"{label} failed (steps: {', '.join(failed) or '?'}); see the Dagster run log")

    def day_range(days: list[dt.date]) -> dict[str, str]:
        return {
            "dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[-1].isoformat(),
        }

    run("reference snapshots", [*reference_assets, register_definitions])
    run("transactions", transaction_assets, tags=day_range(days))
    if _api_store_exists():  # after the files: its bookings point at slots the files published
        run("outbox", [api_outbox])
        days = _with_outbox_days(resources["warehouse"], days)

    every_asset = [
        *reference_assets,
        register_definitions,
        *transaction_assets,
        warehouse_models,
        daily_warehouse_models,
    ]
    whole = set(warehouse_models.keys)
    after_daily = whole & dg.AssetSelection.assets(daily_warehouse_models).downstream().resolve(every_asset)
    # a build of one day checks that day's staged rows; a full build checks every row
    window = (days[0].isoformat(), (days[-1] + dt.timedelta(days=1)).isoformat())
    whole_tags = {} if partition is None else dict(zip(WINDOW_TAGS, window, strict=True))
    # a subset only when something must wait for the daily models (a subset selects tests by name)
    run("dbt build", [warehouse_models], (whole - after_daily) if after_daily else None, tags=whole_tags)
    run("dbt build (daily models)", [daily_warehouse_models], tags=day_range(days))
    if after_daily:
        run("dbt build (after the daily models)", [warehouse_models], after_daily, tags=whole_tags)
    if report.failed_checks:
        raise BuildError("failing checks: " + ", ".join(report.failed_checks))
    return report
