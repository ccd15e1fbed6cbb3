"""Resources: the warehouse the ingest writes to, and the dbt command line."""

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.dbt import dbt_project
from warehouse import connect, get_settings
from warehouse.ingest import target_for


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse target (duckdb or postgres) and the landing folder, from warehouse.settings."""

    target: str | None = None

    @property
    def settings(self):
        return get_settings(self.target)

    @property
    def landing_dir(self) -> Path:
        return self.settings.landing_dir

    @contextlib.contextmanager
    def writer(self) -> Iterator:
        """A load target on a write connection, closed afterwards (DuckDB allows one writer at a time)."""
        con = connect(read_only=False, settings=self.settings)
        try:
            target = target_for(con)
            target.ensure_raw_schema()
            yield target
        finally:
            con.close()


def dbt_resource(target: str | None = None) -> DbtCliResource:
    settings = get_settings(target)
    # the DuckDB file reaches dbt through the environment of each run (assets/warehouse_models.py)
    return DbtCliResource(
        project_dir=dbt_project(settings.target),
        target=settings.target,
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )
