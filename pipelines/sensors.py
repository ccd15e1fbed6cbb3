"""A sensor that starts a day's run as soon as the day's landing partition has arrived.

A day has landed when every transaction table has its folder `landing/<table>/date=YYYY-MM-DD`. The run
key is the day, so each day runs once (a re-export of a day is re-run by hand or by a backfill).
"""

import datetime as dt

import dagster as dg

from pipelines.partitions import daily_partitions
from pipelines.schedules import daily_job
from services.contract import transaction_tables
from services.contract.landing import landed_days
from warehouse import get_settings


def complete_days(landing) -> list[dt.date]:
    """The days every transaction table has landed, oldest first."""
    per_table = [set(landed_days(landing, t.name)) for t in transaction_tables()]
    return sorted(set.intersection(*per_table)) if per_table else []


@dg.sensor(job=daily_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def landing_sensor(context: dg.SensorEvaluationContext):
    keys = set(daily_partitions.get_partition_keys())
    cursor = context.cursor or ""
    newest = cursor
    for day in complete_days(get_settings().landing_dir):
        key = day.isoformat()
        if key <= cursor or key not in keys:
            continue  # already launched, or not yet a partition (the day is not over)
        newest = max(newest, key)
        yield dg.RunRequest(run_key=key, partition_key=key)
    context.update_cursor(newest)
