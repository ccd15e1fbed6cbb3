"""The dbt models as assets: staging views, dimensions, facts and marts. dbt tests become asset checks.

Two selections of the same project:
- `warehouse_models`: everything not tagged `daily` nor built on a daily model (staging views,
  dimensions, reference-driven models), built whole; a model built on a daily model must be tagged
  `daily` itself;
- `daily_warehouse_models`: the models tagged `daily` (incremental facts and the marts on them),
  partitioned by day. Dagster passes the run's time window to dbt in the environment
  (EMIAS_WINDOW_START, EMIAS_WINDOW_END: changing --vars would make dbt re-parse the whole project on
  every run); the models build the days in the window (a backfill of a range runs as one run).
"""

import os
import shutil
from collections.abc import Iterator, Mapping
from typing import Any
from unittest import mock

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.dbt import DBT_PROJECT_DIR, dbt_project, prepare
from pipelines.partitions import daily_partitions
from pipelines.resources import WarehouseResource

DAILY = "tag:daily"
# dbt's unit tests fix what the SQL means on hand-made rows: they belong to CI (tests/integration/marts),
# not to every production build, where they would only re-prove the code on each run (dbt's advice)
BUILD = ["build", "--exclude-resource-type", "unit_test"]
PARTIAL_PARSE = "partial_parse.msgpack"
KEEP_RUN_FOLDERS = 20  # dbt's target folders of the latest runs (manifest, run results, compiled SQL)
# run tags: the days (start inclusive, end exclusive) whose rows the checks of the models built whole read
WINDOW_TAGS = ("emias/checks_window_start", "emias/checks_window_end")


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables the ingest assets produce; models group by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return f"warehouse_{fqn[1]}" if len(fqn) > 2 else "warehouse"


def window_env(window: dg.TimeWindow) -> dict[str, str]:
    """The days of a run for dbt: EMIAS_WINDOW_START <= day < EMIAS_WINDOW_END, ISO dates (Moscow days)."""
    return {
        "EMIAS_WINDOW_START": window.start.date().isoformat(),
        "EMIAS_WINDOW_END": window.end.date().isoformat(),
    }


def checks_window(tags: Mapping[str, str]) -> dict[str, str]:
    """The days a run of the models built whole checks the transaction rows of (macros/test_window.sql):
    those of the run's tags WINDOW_TAGS, set by a build of given days (`emias build --partition`); none,
    so every row, otherwise."""
    start, end = (tags.get(t) for t in WINDOW_TAGS)
    return {"EMIAS_WINDOW_START": start, "EMIAS_WINDOW_END": end} if start and end else {}


def warehouse_env(warehouse: WarehouseResource) -> dict[str, str]:
    """The DuckDB file dbt builds in (profiles.yml reads it), the same as the ingest's, for this run only."""
    return {"EMIAS_DUCKDB_PATH": str(warehouse.settings.duckdb_path)}


def dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, env: dict[str, str]) -> Iterator:
    """`dbt build` of the context's selection, starting from the previous run's parse.

    A full parse of the project costs seconds on every run. dagster-dbt gives each run its own target
    folder under $DBT_TARGET_PATH and seeds it with the partial_parse.msgpack found there; each run leaves
    its own parse behind for the next, so a run re-parses only what changed (the files that read the
    window). The folders of older runs are pruned."""
    parse_dir = DBT_PROJECT_DIR / f"target-{dbt.target}"
    # the dbt process started inside inherits these; the process's own environment is restored after
    with mock.patch.dict(os.environ, {**env, "DBT_TARGET_PATH": str(parse_dir)}):
        invocation = dbt.cli(BUILD, context=context)
        yield from invocation.stream()
    parsed = invocation.target_path / PARTIAL_PARSE
    if parsed.exists():
        staged = parse_dir / f".{PARTIAL_PARSE}.{os.getpid()}"
        shutil.copy(parsed, staged)
        os.replace(staged, parse_dir / PARTIAL_PARSE)  # atomic: a run starting now reads one whole file
    runs = sorted(
        (d for d in parse_dir.iterdir() if d.is_dir() and "-" in d.name), key=lambda d: d.stat().st_mtime
    )
    for old in runs[:-KEEP_RUN_FOLDERS]:
        shutil.rmtree(old, ignore_errors=True)


@dbt_assets(
    manifest=prepare(),
    project=dbt_project(),
    dagster_dbt_translator=WarehouseTranslator(),
    # `+`: the daily models' tests (and anything built on them) go with the daily models
    exclude=f"{DAILY}+",
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # only the tests of these models alone: a test that also reads a daily fact runs with the daily models
    env = {
        **warehouse_env(warehouse),
        **checks_window(context.run.tags),
        "DBT_INDIRECT_SELECTION": "cautious",
    }
    yield from dbt_build(context, dbt, env)


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
def daily_warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    window = window_env(context.partition_time_window)
    context.log.info(f"dbt window: {window}")
    # the tests of these models, with those that also read a dimension (built before, by warehouse_models)
    env = {**window, **warehouse_env(warehouse), "DBT_INDIRECT_SELECTION": "buildable"}
    yield from dbt_build(context, dbt, env)
