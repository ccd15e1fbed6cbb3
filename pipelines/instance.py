"""Dagster's home: run history and event logs under the data folder, telemetry off, one run at a time
(DuckDB allows one writer: the runs a backfill or the sensor launches queue instead of clashing)."""

import os
from pathlib import Path

from warehouse import get_settings


def ensure_dagster_home() -> Path:
    """Point DAGSTER_HOME at $EMIAS_DATA_DIR/dagster_home (unless set) and write its dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or get_settings().data_dir / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
