"""The Dagster code location: `dagster dev -m pipelines.definitions` (or `emias ui`)."""

import dagster as dg

from pipelines.assets.ingest import reference_assets, transaction_assets
from pipelines.assets.outbox import api_outbox
from pipelines.assets.registers import register_definitions
from pipelines.assets.warehouse_models import daily_warehouse_models, warehouse_models
from pipelines.resources import WarehouseResource, dbt_resource
from pipelines.schedules import daily_job, daily_schedule
from pipelines.sensors import landing_sensor

defs = dg.Definitions(
    assets=[
        *reference_assets,
        register_definitions,
        *transaction_assets,
        api_outbox,
        warehouse_models,
        daily_warehouse_models,
    ],
    jobs=[daily_job],
    schedules=[daily_schedule],
    sensors=[landing_sensor],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    # DuckDB allows one writer: steps run one after another in the run's own process
    executor=dg.in_process_executor,
)
