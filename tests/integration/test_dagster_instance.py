"""Dagster's home: every home, new or old, gets telemetry and the new-user pop-up off and one run at a time,
and keeps its own settings; the instance Dagster loads from it reads them."""

from __future__ import annotations

import dagster as dg
import pytest
import yaml

from pipelines.instance import DagsterHomeError, ensure_dagster_home, quiet_environment


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return tmp_path / "dagster_home"


def _instance_settings():
    with dg.DagsterInstance.get() as instance:  # validates dagster.yaml against Dagster's config schema
        queue = instance.get_concurrency_config().run_queue_config
        assert queue.max_concurrent_runs == 1  # DuckDB allows one writer
        return instance.nux_enabled, instance.telemetry_enabled, instance.get_settings("run_monitoring")


def test_a_new_home_has_no_pop_up_and_no_telemetry(home):
    assert ensure_dagster_home() == home
    assert _instance_settings() == (False, False, {})


def test_an_existing_home_gains_the_settings_and_keeps_its_own(home):
    home.mkdir()
    # what earlier versions wrote, and a setting of the user's own
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nrun_monitoring:\n  enabled: true\n")
    ensure_dagster_home()
    assert yaml.safe_load((home / "dagster.yaml").read_text()) == {
        "telemetry": {"enabled": False},
        "run_monitoring": {"enabled": True},
        "nux": {"enabled": False},
        "concurrency": {"runs": {"max_concurrent_runs": 1}},
    }
    assert _instance_settings() == (False, False, {"enabled": True})
    before = (home / "dagster.yaml").stat().st_mtime_ns
    ensure_dagster_home()
    assert (home / "dagster.yaml").stat().st_mtime_ns == before  # nothing missing: not rewritten


@pytest.mark.parametrize("text", ["telemetry: [unclosed\n", "- a list\n"])
def test_an_unreadable_dagster_yaml_is_named(home, text):
    home.mkdir()
    (home / "dagster.yaml").write_text(text)
    with pytest.raises(DagsterHomeError, match="dagster.yaml"):
        ensure_dagster_home()


def test_the_warning_filters_keep_the_users_own():
    assert quiet_environment({"PATH": "/bin"})["PYTHONWARNINGS"].startswith("ignore:Function `dev_command`")
    merged = quiet_environment({"PYTHONWARNINGS": "error::DeprecationWarning"})["PYTHONWARNINGS"]
    assert merged.startswith("error::DeprecationWarning,ignore:")
