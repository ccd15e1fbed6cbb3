"""A sensor that builds the days whose landing partitions have completed since it last looked.

A day is complete when every transaction table has its folder `landing/<table>/date=YYYY-MM-DD`. One run
builds every new complete day (a range of the landed-days partitions); the cursor is the newest day seen,
so each day is asked for once. A day built already with the same files (by the schedule, or by hand) is
not loaded again, and a re-export of an older day is picked up by the next `emias build`.
"""

import dagster as dg

from pipelines.partitions import ONLY_CHANGED_TAG, RANGE_TAGS, landed_days, landing_days
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
    tags = {ONLY_CHANGED_TAG: "true", **dict(zip(RANGE_TAGS, (new[0], new[-1]), strict=True))}
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"{new[0]}..{new[-1]}", tags=tags)],
        dynamic_partitions_requests=[landed_days.build_add_request(new)],
    )
