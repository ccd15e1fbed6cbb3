"""The Dagster code location: `dagster dev -m pipelines.definitions` (or `emias ui`)."""

import dagster as dg

from pipelines.assets.calendar import production_calendar
from pipelines.assets.ingest import raw_landed_days, reference_snapshots, transactions
from pipelines.assets.registers import register_definitions
from pipelines.assets.warehouse_models import warehouse_models
from pipelines.progress import Progress
from pipelines.resources import WarehouseResource, dbt_resource
from pipelines.schedules import build_job, daily_schedule, full_checks_job, full_checks_schedule
from pipelines.sensors import landing_sensor

defs = dg.Definitions(
    assets=[
        raw_landed_days,
        reference_snapshots,
        register_definitions,
        transactions,
        production_calendar,
        warehouse_models,
    ],
    jobs=[build_job, full_checks_job],
    schedules=[daily_schedule, full_checks_schedule],
    sensors=[landing_sensor],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource(), "progress": Progress()},
    # DuckDB allows one writer: steps run one after another in the run's own process
    executor=dg.in_process_executor,
)
