"""A sensor that builds each day as soon as its landing partition is complete.

A day is complete when every transaction table has its folder `landing/<table>/date=YYYY-MM-DD`. The run
key is the day, so each day runs once (a re-export of a day is rebuilt by hand, `emias build --partition`,
or by a backfill).
"""

import dagster as dg

from pipelines.partitions import landed_days, landing_days
from pipelines.schedules import build_job
from warehouse import get_settings


@dg.sensor(job=build_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def landing_sensor(context: dg.SensorEvaluationContext):
    cursor = context.cursor or ""
    new = [d.isoformat() for d in landing_days(get_settings().landing_dir, complete=True)]
    new = [k for k in new if k > cursor]
    if not new:
        return dg.SkipReason("no new complete day has landed")
    context.update_cursor(new[-1])
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=k, partition_key=k) for k in new],
        dynamic_partitions_requests=[landed_days.build_add_request(new)],
    )
