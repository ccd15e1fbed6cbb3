"""The dbt models as assets: staging views, dimensions, facts and marts. dbt tests become asset checks.

Two selections of the same project:
- `warehouse_models`: everything not tagged `daily` (staging views, dimensions, reference-driven models),
  built whole;
- `daily_warehouse_models`: the models tagged `daily` (incremental facts and the marts on them),
  partitioned by day. Dagster passes the run's time window to dbt as the vars `window_start` and
  `window_end`; the models build the days in the window (a backfill of a range runs as one run).
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.dbt import dbt_project, prepare
from pipelines.partitions import daily_partitions

DAILY = "tag:daily"


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables the ingest assets produce; models group by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return f"warehouse_{fqn[1]}" if len(fqn) > 2 else "warehouse"


@dbt_assets(
    manifest=prepare(),
    project=dbt_project(),
    dagster_dbt_translator=WarehouseTranslator(),
    exclude=DAILY,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


def window_vars(window: dg.TimeWindow) -> dict[str, str]:
    """The dbt vars of a run's days: window_start <= day < window_end, as ISO dates (Moscow days)."""
    return {"window_start": window.start.date().isoformat(), "window_end": window.end.date().isoformat()}


@dbt_assets(
    manifest=prepare(),
    project=dbt_project(),
    dagster_dbt_translator=WarehouseTranslator(),
    select=DAILY,
    name="daily_warehouse_models",
    partitions_def=daily_partitions,
    # a backfill of many days is one dbt run over their window, not one run a day
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def daily_warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    import json

    dbt_vars = json.dumps(window_vars(context.partition_time_window))
    yield from dbt.cli(["build", "--vars", dbt_vars], context=context).stream()
