"""Settings find the same data folder wherever a process starts: relative paths are the project root's."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.api.settings import Settings as ApiSettings
from warehouse import get_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("EMIAS_DATA_DIR", "EMIAS_DUCKDB_PATH", "EMIAS_TARGET", "EMIAS_API_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("start_in", ["notebooks", "dbt_project", "/"])
def test_the_default_data_folder_is_the_projects_wherever_a_process_starts(clean_env, start_in):
    clean_env.chdir(ROOT / start_in)  # a Jupyter kernel starts in notebooks/, dbt in dbt_project/
    warehouse = get_settings()
    assert warehouse.data_dir == ROOT / "data"
    assert warehouse.landing_dir == ROOT / "data" / "landing"
    assert warehouse.duckdb_path == ROOT / "data" / "warehouse.duckdb"
    api = ApiSettings()
    assert api.data_dir == warehouse.data_dir
    assert api.db_url == f"sqlite:///{ROOT / 'data' / 'api.sqlite'}"


def test_relative_paths_are_taken_from_the_project_root(clean_env, tmp_path):
    clean_env.chdir(tmp_path)
    clean_env.setenv("EMIAS_DATA_DIR", "elsewhere/city")
    clean_env.setenv("EMIAS_DUCKDB_PATH", "warehouses/w.duckdb")
    settings = get_settings()
    assert settings.data_dir == ROOT / "elsewhere" / "city"
    assert settings.duckdb_path == ROOT / "warehouses" / "w.duckdb"
    assert ApiSettings().data_dir == ROOT / "elsewhere" / "city"
    assert ApiSettings(data_dir="other").data_dir == ROOT / "other"


def test_absolute_paths_are_kept(clean_env, tmp_path):
    clean_env.setenv("EMIAS_DATA_DIR", str(tmp_path))
    assert get_settings().data_dir == ApiSettings().data_dir == tmp_path.resolve()
    assert get_settings().duckdb_path == tmp_path.resolve() / "warehouse.duckdb"
