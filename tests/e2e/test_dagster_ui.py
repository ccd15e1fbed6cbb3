"""`emias ui` on the small built city: the UI answers, its code location loads, no warning is printed, and
the UI does not open the new-user pop-up (asked through the webserver's own GraphQL API)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx
from servers import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
EMIAS = str(Path(sys.executable).parent / "emias")

LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"


def graphql(url: str, query: str) -> dict:
    response = httpx.post(f"{url}/graphql", json={"query": query}, timeout=30)
    response.raise_for_status()
    return response.json()["data"]


def wait_loaded(url: str, timeout: float = 120) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entries = graphql(url, LOCATIONS)["workspaceOrError"]["locationEntries"]
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            return entries
        time.sleep(1)
    raise TimeoutError(f"the code location did not load in {timeout} s")


def test_the_dagster_ui_starts_quietly_without_a_pop_up(built_city, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "PYTHONWARNINGS")}
    env |= {"EMIAS_DATA_DIR": str(built_city["data_dir"]), "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "ui.log"
    with serving([EMIAS, "ui", "--port", str(port)], f"{url}/server_info", log, cwd=ROOT, env=env):
        assert [e["name"] for e in wait_loaded(url)] == ["pipelines.definitions"]
        nux = graphql(url, "{ shouldShowNux }")["shouldShowNux"]
    output = log.read_text()
    assert f"Dagster's UI starts on http://localhost:{port}" in output
    assert f"Serving dagster-webserver on http://127.0.0.1:{port}" in output
    assert "Warning" not in output and "WARNING" not in output, output
    assert nux is False
