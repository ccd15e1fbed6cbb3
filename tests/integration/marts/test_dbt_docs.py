"""`dbt docs generate` runs offline on the built small city, and every column of every mart is described."""

import json

from pipelines.dbt import DBT_PROJECT_DIR
from tests.integration.marts.conftest import run_dbt


def test_docs_generate_and_every_mart_column_is_described(warehouse_copy):
    result = run_dbt(["docs", "generate"], warehouse_copy)
    assert result.returncode == 0, result.stdout[-3000:]
    target = DBT_PROJECT_DIR / "target-duckdb"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    marts, undescribed = 0, {}
    for unique_id, table in catalog["nodes"].items():
        node = manifest["nodes"].get(unique_id)
        if not node or node["schema"] != "marts":
            continue
        marts += 1
        described = {name.lower() for name, col in node["columns"].items() if col.get("description")}
        missing = [c for c in table["columns"] if c.lower() not in described]
        if missing or not node.get("description"):
            undescribed[node["name"]] = missing or ["(the model itself)"]
    assert marts >= 25
    assert undescribed == {}
    exposures = {e["name"] for e in manifest["exposures"].values()}
    assert {"dashboards_city_overview", "dashboards_facility", "notebook_waiting_times"} <= exposures
