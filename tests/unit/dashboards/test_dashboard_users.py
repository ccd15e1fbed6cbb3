"""Local users: bcrypt hashes, roles, the admin command and the demo users."""

import subprocess
import sys

import pytest
import yaml

from dashboards.users import DEMO_PASSWORD, add_user, authenticate, ensure_demo_users, list_users, main


def test_a_user_signs_in_with_the_right_password_only(tmp_path):
    path = tmp_path / "users.yaml"
    add_user("ada", "s3cret", "analyst", path=path)
    assert authenticate("ada", "s3cret", path=path).role == "analyst"
    assert authenticate("ada", "wrong", path=path) is None
    assert authenticate("bob", "s3cret", path=path) is None
    stored = yaml.safe_load(path.read_text())["users"]["ada"]
    assert "s3cret" not in path.read_text() and stored["password_hash"].startswith("$2")


def test_a_chief_physician_needs_a_facility_and_roles_are_checked(tmp_path):
    with pytest.raises(ValueError, match="facility"):
        add_user("c", "pw", "chief_physician", path=tmp_path / "u.yaml")
    with pytest.raises(ValueError, match="unknown role"):
        add_user("c", "pw", "admin", path=tmp_path / "u.yaml")
    user = add_user("c", "pw", "chief_physician", 7, path=tmp_path / "u.yaml")
    assert authenticate("c", "pw", path=tmp_path / "u.yaml").facility_id == 7 == user.facility_id


def test_demo_users_one_per_role_only_when_there_are_none(tmp_path):
    path = tmp_path / "users.yaml"
    assert ensure_demo_users(3, path=path) == ["leader", "chief_physician", "epidemiologist", "analyst"]
    assert authenticate("chief_physician", DEMO_PASSWORD, path=path).facility_id == 3
    assert ensure_demo_users(path=path) == []
    assert len(list_users(path=path)) == 4


def test_the_admin_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EMIAS_USERS_FILE", str(tmp_path / "users.yaml"))
    assert main(["add", "eve", "--role", "epidemiologist", "--password", "pw"]) == 0
    assert main(["add", "x", "--role", "chief_physician", "--password", "pw"]) == 2
    assert main(["list"]) == 0
    assert "eve: Epidemiologist" in capsys.readouterr().out


def test_the_admin_command_runs_as_a_module(tmp_path):
    env = {"EMIAS_USERS_FILE": str(tmp_path / "users.yaml"), "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "dashboards.users", "add", "lea", "--role", "leader", "--password", "pw"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert authenticate("lea", "pw", path=tmp_path / "users.yaml").role == "leader"
