"""The dbt project as Dagster sees it, and its preparation (the manifest dagster-dbt reads at import)."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from warehouse import get_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


@cache
def dbt_project(target: str | None = None) -> DbtProject:
    target = target or get_settings().target
    # one target path per target, so partial parsing survives switching between them
    return DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target=target,
        target_path=Path(f"target-{target}"),
    )


def _newest_source_mtime() -> float:
    files = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "tests", "seeds"):
        files += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in files)


def prepare(target: str | None = None) -> Path:
    """Write the dbt manifest when it is missing or older than the project's files; return its path."""
    project = dbt_project(target)
    manifest = project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return manifest
    settings = get_settings(target)
    env = {
        **os.environ,
        "EMIAS_DUCKDB_PATH": str(settings.duckdb_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target",
            settings.target,
            "--target-path",
            str(project.target_path),
        ],
        check=True,
        env=env,
        cwd=DBT_PROJECT_DIR,
    )
    return manifest
