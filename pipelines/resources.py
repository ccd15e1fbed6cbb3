"""Resources: the warehouse the ingest writes to, and the dbt command line."""

import contextlib
import sys
from collections.abc import Iterator
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

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


class WarehouseDbt(DbtCliResource):
    """dagster-dbt's command line resource, without two start-up costs it pays on every run.

    dagster-dbt asks `dbt --version` for the version of the dbt it runs (1.6 s here: dbt asks the package
    index for the latest release), and loads dbt's macros into this process for an adapter that serves
    only row counts and column metadata, which this project does not fetch (1.1 s). The dbt it runs is
    the one installed beside this interpreter, so its version is the installed package's; with no
    adapter, dagster-dbt streams dbt's events as before."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ANN001, ANN202 (dagster-dbt's signature)
        return None


def dbt_resource(target: str | None = None) -> DbtCliResource:
    settings = get_settings(target)
    # the DuckDB file reaches dbt through the environment of each run (assets/warehouse_models.py)
    return WarehouseDbt(
        project_dir=dbt_project(settings.target),
        target=settings.target,
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )
