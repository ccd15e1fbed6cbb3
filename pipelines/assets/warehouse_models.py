"""The dbt models as assets: staging views, dimensions, facts and marts. dbt tests become asset checks.

One `dbt build` per build: every model and test, over the window of days loaded since dbt last built
(warehouse/watermarks.py). The window reaches dbt in the environment (EMIAS_WINDOW_START <= day <
EMIAS_WINDOW_END, read by dbt_project/macros/incremental.sql; --vars would make dbt re-parse the whole
project on every run); the incremental models build the window's days, the models on reference data
rebuild when it changed, and the tests check what the run wrote. A run tagged `emias/full_refresh`
rebuilds every model from scratch (`dbt build --full-refresh`) and checks every row.
"""

import os
import shutil
import time
from collections.abc import Iterator, Mapping
from typing import Any
from unittest import mock

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.dbt import DBT_PROJECT_DIR, dbt_project, prepare
from pipelines.partitions import FULL_REFRESH_TAG
from pipelines.progress import Progress
from pipelines.resources import WarehouseResource
from warehouse.watermarks import model_window, record_model_build

# dbt's unit tests fix what the SQL means on hand-made rows: they belong to CI (tests/integration/marts),
# not to every production build, where they would only re-prove the code on each run (dbt's advice)
BUILD = ["build", "--exclude-resource-type", "unit_test"]
PARTIAL_PARSE = "partial_parse.msgpack"
NO_WINDOW = {"EMIAS_WINDOW_START": "", "EMIAS_WINDOW_END": ""}
KEEP_RUN_FOLDERS = 20  # dbt's target folders of the latest runs (manifest, run results, compiled SQL)


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables the ingest assets produce; models group by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return f"warehouse_{fqn[1]}" if len(fqn) > 2 else "warehouse"


def _keep_parse(invocation, parse_dir) -> None:
    """Leave this run's parse for the next run, and prune the target folders of old runs.

    A full parse of the project costs seconds. dagster-dbt gives each run its own target folder under
    $DBT_TARGET_PATH and seeds it with the partial_parse.msgpack found there; each run leaves its own
    parse behind, so a run re-parses only what changed."""
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


def _nodes(context: dg.AssetExecutionContext) -> int:
    """How many models and checks this run selected (for the progress bar)."""
    return len(context.selected_asset_keys) + len(context.selected_asset_check_keys)


@dbt_assets(manifest=prepare(), project=dbt_project(), dagster_dbt_translator=WarehouseTranslator())
def warehouse_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    progress: dg.ResourceParam[Progress],
) -> Iterator:
    full_refresh = context.run.tags.get(FULL_REFRESH_TAG) == "true"
    models = sorted(k.to_user_string() for k in context.selected_asset_keys)
    with warehouse.writer() as target:
        window = model_window(target, models)
    # a full refresh, and a run of the checks alone (`full_checks`), read every row
    every_row = full_refresh or not models
    if not (every_row or window.anything):
        context.log.info("nothing was loaded since the last dbt build: nothing to build")
        return
    env = {
        **(NO_WINDOW if every_row else window.env()),
        "EMIAS_DUCKDB_PATH": str(warehouse.settings.duckdb_path),  # profiles.yml reads it
        "DBT_TARGET_PATH": str(DBT_PROJECT_DIR / f"target-{dbt.target}"),
        # a test runs when every model it reads is built in this run (a subset run leaves out the rest)
        "DBT_INDIRECT_SELECTION": "cautious",
    }
    context.log.info(f"dbt window: {window}, full refresh: {full_refresh}")
    detail = "full refresh" if full_refresh else "every row" if every_row else window.describe()
    # the dbt process inherits the window; this process's own environment is restored afterwards
    with mock.patch.dict(os.environ, env), progress.task("dbt build", _nodes(context), detail) as advance:
        invocation = dbt.cli([*BUILD, *(["--full-refresh"] if full_refresh else [])], context=context)
        # Dagster records each event while dbt goes on (the stream ends when dbt's process does): the time
        # is reported apart, not taken off the step (bench/build.py)
        recording = 0.0
        for event in invocation.stream():
            advance(getattr(event, "asset_key", None) and event.asset_key.to_user_string() or "")
            handed = time.perf_counter()
            yield event
            recording += time.perf_counter() - handed
    progress.spent("recording dbt's events", recording)
    _keep_parse(invocation, DBT_PROJECT_DIR / f"target-{dbt.target}")
    with warehouse.writer() as target:
        record_model_build(target, models, window)
