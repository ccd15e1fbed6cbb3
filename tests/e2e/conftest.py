"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["notebooks", "."], ids=["kernel in notebooks", "kernel in the project root"])
def kernel_folder(request) -> Path:
    """Where a kernel starts: `notebooks/` (as `jupyter execute` and Jupyter start it) or the root."""
    return (ROOT / request.param).resolve()


@pytest.fixture
def city_by_relative_path(built_city, monkeypatch) -> str:
    """EMIAS_DATA_DIR set to the small city's folder as a path relative to the project root.

    Settings take relative paths (the default `data` included) from the project root, so a kernel started
    in `notebooks/` finds the same warehouse as one started in the root. The default itself is checked in
    tests/unit/test_settings.py; a relative path exercises the same resolution without a build in ./data.
    """
    relative = os.path.relpath(built_city["data_dir"], ROOT)
    # taken from notebooks/ instead, the path would miss the city: the test can fail
    assert not (ROOT / "notebooks" / relative / "warehouse.duckdb").exists()
    monkeypatch.setenv("EMIAS_DATA_DIR", relative)
    monkeypatch.delenv("EMIAS_TARGET", raising=False)
    monkeypatch.delenv("EMIAS_DUCKDB_PATH", raising=False)
    return relative
