"""Dagster's home: run history and event logs under the data folder; telemetry and the new-user pop-up off;
one run at a time (DuckDB allows one writer: the runs a backfill or the sensor launches queue instead of
clashing).

Also the environment `emias ui` starts `dagster dev` with: quiet about Dagster's own start-up warnings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from warehouse import get_settings

# Instance settings every home gets (dagster's instance config schema: `telemetry`, `nux`, `concurrency`).
# `nux` is the "join the community" pop-up the UI opens for a new user.
REQUIRED_SETTINGS: dict[str, dict] = {
    "telemetry": {"enabled": False},
    "nux": {"enabled": False},
    "concurrency": {"runs": {"max_concurrent_runs": 1}},
}

# Dagster's own start-up noise, filtered by the start of its message so that nothing else is hidden:
# `dagster dev` prefers its newer `dg dev` (a separate CLI package this project does not use).
QUIET_WARNINGS = ("ignore:Function `dev_command` is superseded:Warning",)


class DagsterHomeError(ValueError):
    """The home's dagster.yaml cannot be read as YAML settings."""


def ensure_dagster_home() -> Path:
    """Point DAGSTER_HOME at $EMIAS_DATA_DIR/dagster_home (unless set) and write its dagster.yaml.

    A dagster.yaml already there keeps its own settings and gains the required ones (rewritten only when
    something is missing). Raises DagsterHomeError when it is not a YAML mapping.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or get_settings().data_dir / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    try:
        current = (yaml.safe_load(config.read_text()) if config.exists() else None) or {}
    except yaml.YAMLError as e:
        raise DagsterHomeError(f"{config} is not valid YAML: {e}") from None
    if not isinstance(current, dict):
        raise DagsterHomeError(f"{config} must hold a mapping of instance settings")
    wanted = current | {key: {**(current.get(key) or {}), **on} for key, on in REQUIRED_SETTINGS.items()}
    if wanted != current:
        config.write_text(yaml.safe_dump(wanted, sort_keys=False))
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def quiet_environment(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with Python warning filters for Dagster's start-up noise (`QUIET_WARNINGS`) added.

    The user's own PYTHONWARNINGS stay; ours come after them, so they win for these messages only.
    """
    filters = [env["PYTHONWARNINGS"]] if env.get("PYTHONWARNINGS") else []
    return {**env, "PYTHONWARNINGS": ",".join([*filters, *QUIET_WARNINGS])}
