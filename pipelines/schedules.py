"""The jobs and their schedules. `build` is the one definition of a build: the command line (`emias
build`), the daily schedule, the landing sensor and a backfill from the UI all run it.

- `build`: queue the run's landed days, load the reference snapshots that changed, load every queued day,
  then one `dbt build` over the days loaded since dbt last built.
- `full_checks`: every dbt test over every row (a build checks what it wrote); weekly, and by hand.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.assets.warehouse_models import warehouse_models
from pipelines.partitions import ONLY_CHANGED_TAG, add_landed_days, landed_days, landing_days
from warehouse import get_settings

MOSCOW = ZoneInfo("Europe/Moscow")

build_job = dg.define_asset_job(
    "build",
    selection=dg.AssetSelection.all(),
    description="Queue the run's landed days, load what changed into raw, and build the warehouse with dbt.",
)

full_checks_job = dg.define_asset_job(
    "full_checks",
    selection=dg.AssetSelection.checks_for_assets(warehouse_models),
    description="Every dbt test over every row of the warehouse.",
)


@dg.schedule(job=build_job, cron_schedule="0 2 * * *", execution_timezone="Europe/Moscow")
def daily_schedule(context: dg.ScheduleEvaluationContext):
    """At 02:00 Moscow time, build yesterday (a day is exported once it is over), once every table has
    landed it; a day the landing sensor built already, with the same files, is not loaded again."""
    yesterday = (context.scheduled_execution_time.astimezone(MOSCOW) - dt.timedelta(days=1)).date()
    if yesterday not in landing_days(get_settings().landing_dir, complete=True):
        return dg.SkipReason(f"{yesterday} has not landed in every table")
    add_landed_days(context.instance, [yesterday])
    return dg.RunRequest(
        run_key=yesterday.isoformat(), partition_key=yesterday.isoformat(), tags={ONLY_CHANGED_TAG: "true"}
    )


full_checks_schedule = dg.ScheduleDefinition(
    job=full_checks_job, cron_schedule="0 4 * * 0", execution_timezone="Europe/Moscow"
)

__all__ = ["build_job", "daily_schedule", "full_checks_job", "full_checks_schedule", "landed_days"]
