"""dbt's unit tests (hand-built rows that fix what each metric means) on both targets.

The pipeline's builds leave them out (pipelines/assets/warehouse_models.py): they are run here, against
the built small city, whose tables give dbt the column types of each model's inputs."""

import json

import pytest

from pipelines.dbt import DBT_PROJECT_DIR
from tests.integration.marts.conftest import run_dbt


def _unit_tests_in_manifest() -> set[str]:
    manifest = json.loads((DBT_PROJECT_DIR / "target-duckdb" / "manifest.json").read_text())
    return {node["name"] for node in manifest.get("unit_tests", {}).values()}


def _unit_tests_passed(target: str) -> set[str]:
    results = json.loads((DBT_PROJECT_DIR / f"target-{target}" / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].rsplit(".", 1)[-1]
        for r in results
        if r["unique_id"].startswith("unit_test.") and r["status"] == "pass"
    }


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_every_dbt_unit_test_passes(target, request, built_city):
    if target == "postgres":
        result = run_dbt(
            ["test", "--select", "test_type:unit"],
            postgres_database=request.getfixturevalue("built_city_postgres"),
        )
    else:
        result = run_dbt(["test", "--select", "test_type:unit"], built_city["data_dir"] / "warehouse.duckdb")
    assert result.returncode == 0, result.stdout[-3000:]
    expected = _unit_tests_in_manifest()
    assert len(expected) >= 9
    assert _unit_tests_passed(target) == expected
