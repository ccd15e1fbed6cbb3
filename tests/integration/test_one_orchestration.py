"""One definition of a build: `emias build`, `emias build --partition`, the daily schedule and a backfill
launched from the UI run the same job and leave the same warehouse; the UI's partitions are the landed
days, none missing once built."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.integration.marts.compare import data_columns, differences, mart_relations, rows

LANDED_DAYS = dg.AssetKey(["raw", "raw_landed_days"])


def _raw_counts(con) -> dict[str, int]:
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_name not like 'raw_%'"
        ).fetchall()
    ]
    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}


def assert_same_warehouse(left: Path, right: Path) -> None:
    """Every raw table holds as many rows, and every relation of the marts schema the same rows (the
    columns naming the run that wrote a row aside)."""
    problems = {}
    with duckdb.connect(str(left), read_only=True) as a, duckdb.connect(str(right), read_only=True) as b:
        want_sql, got_sql = (lambda sql: a.execute(sql).fetchall()), (lambda sql: b.execute(sql).fetchall())
        assert _raw_counts(a) == _raw_counts(b)
        assert mart_relations(want_sql) == mart_relations(got_sql)
        for mart in mart_relations(want_sql):
            columns = data_columns(want_sql, mart)
            if diff := differences(rows(want_sql, mart, columns), rows(got_sql, mart, columns), columns):
                problems[mart] = diff
    assert problems == {}


@pytest.fixture
def fresh(built_city, tmp_path, monkeypatch) -> Path:
    """A data folder holding the small city's landing files and no warehouse yet."""
    shutil.copytree(built_city["data_dir"] / "landing", tmp_path / "landing")
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return tmp_path


def test_the_ui_shows_the_landed_days_as_partitions_none_missing(built_city, monkeypatch):
    from pipelines.partitions import landed_days, landing_days

    monkeypatch.setenv("DAGSTER_HOME", str(built_city["data_dir"] / "dagster_home"))
    instance = dg.DagsterInstance.get()
    keys = instance.get_dynamic_partitions(landed_days.name)
    assert keys == [d.isoformat() for d in landing_days(built_city["data_dir"] / "landing")]
    status = instance.get_status_by_partition(LANDED_DAYS, keys, landed_days)
    missing = [k for k, s in status.items() if s != dg.AssetPartitionStatus.MATERIALIZED]
    assert missing == []


def test_a_range_build_then_the_schedule_day_by_day_gives_the_full_build(built_city, fresh):
    from pipelines.build import build
    from pipelines.definitions import defs
    from pipelines.schedules import daily_schedule

    last = dt.date.fromisoformat(max(p.name[5:] for p in (fresh / "landing" / "slot_published").iterdir()))
    first = dt.date.fromisoformat(min(p.name[5:] for p in (fresh / "landing" / "slot_published").iterdir()))
    build("duckdb", days=(first, last - dt.timedelta(days=2)))
    instance = dg.DagsterInstance.get()
    moscow = dt.timezone(dt.timedelta(hours=3))
    for day in (last - dt.timedelta(days=1), last):  # the daemon runs what each tick asks for
        tick = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2), moscow)
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
        )
        (request,) = daily_schedule.evaluate_tick(context).run_requests
        result = defs.resolve_job_def("build").execute_in_process(
            instance=instance, partition_key=request.partition_key, tags=request.tags
        )
        assert result.success
    assert_same_warehouse(built_city["data_dir"] / "warehouse.duckdb", fresh / "warehouse.duckdb")


def test_a_backfill_launched_from_the_ui_gives_the_full_build(built_city, fresh):
    """The UI launches an asset backfill of every landed day; Dagster's backfill daemon plans its runs."""
    from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
    from dagster._core.test_utils import create_test_daemon_workspace_context
    from dagster._core.workspace.load_target import ModuleTarget
    from dagster._daemon.backfill import execute_backfill_iteration

    from pipelines.definitions import defs
    from pipelines.partitions import add_landed_days, landing_days

    # the runs execute as the daemon launches them, one after another (one writer: DuckDB)
    overrides = {
        "run_launcher": {
            "module": "dagster._core.launcher.sync_in_memory_run_launcher",
            "class": "SyncInMemoryRunLauncher",
        },
        "run_coordinator": {"module": "dagster._core.run_coordinator", "class": "DefaultRunCoordinator"},
    }
    root = Path(__file__).resolve().parents[2]
    with dg.instance_for_test(overrides=overrides) as instance:
        days = landing_days(fresh / "landing")
        add_landed_days(instance, days)
        graph = defs.resolve_asset_graph()
        target = ModuleTarget(
            module_name="pipelines.definitions",
            attribute=None,
            working_directory=str(root),
            location_name="pipelines",
        )
        with create_test_daemon_workspace_context(target, instance) as workspace:
            backfill = PartitionBackfill.from_asset_partitions(
                backfill_id="every_landed_day",
                asset_graph=graph,
                partition_names=[d.isoformat() for d in days],
                asset_selection=list(graph.materializable_asset_keys),
                backfill_timestamp=time.time(),
                tags={},
                dynamic_partitions_store=instance,
                all_partitions=False,
                title=None,
                description=None,
                run_config=None,
            )
            instance.add_backfill(backfill)
            for _ in range(20):
                list(execute_backfill_iteration(workspace, logging.getLogger("backfill")))
                if instance.get_backfill(backfill.backfill_id).status != BulkActionStatus.REQUESTED:
                    break
        assert instance.get_backfill(backfill.backfill_id).status == BulkActionStatus.COMPLETED_SUCCESS
    assert_same_warehouse(built_city["data_dir"] / "warehouse.duckdb", fresh / "warehouse.duckdb")
