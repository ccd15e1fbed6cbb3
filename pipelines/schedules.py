"""The daily run: load yesterday's landing partition into raw, then build yesterday in the warehouse."""

import dagster as dg

from pipelines.assets.ingest import transaction_assets
from pipelines.assets.warehouse_models import daily_warehouse_models
from pipelines.partitions import daily_partitions

daily_job = dg.define_asset_job(
    "daily_build",
    selection=dg.AssetSelection.assets(*transaction_assets, daily_warehouse_models),
    partitions_def=daily_partitions,
    description="Load one day's transactions into raw and build the day's facts and marts.",
)

# a day becomes a partition once it is over: at 02:00 Moscow time the run for yesterday starts
daily_schedule = dg.build_schedule_from_partitioned_job(daily_job, hour_of_day=2, minute_of_hour=0)
