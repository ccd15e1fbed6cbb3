"""The `emias` command line: same seed, same rows; bad input gets a one-line error, not a traceback."""

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path))
    return tmp_path


def _simulate(*args: str):
    return runner.invoke(app, ["simulate", *args])


def _rows(landing):
    return {
        p.relative_to(landing).as_posix(): pq.read_table(p).to_pylist()
        for p in sorted(landing.rglob("*.parquet"))
    }


def test_simulate_twice_with_the_same_seed_gives_the_same_rows(data_dir, tmp_path_factory, monkeypatch):
    args = ["--scale", "0.0005", "--start", "2025-03-03", "--days", "3", "--seed", "11"]
    assert _simulate(*args).exit_code == 0
    first = _rows(data_dir / "landing")
    other = tmp_path_factory.mktemp("again")
    monkeypatch.setenv("EMIAS_DATA_DIR", str(other))
    result = _simulate(*args)
    assert result.exit_code == 0, result.output
    assert "appointment_booked" in result.output
    assert _rows(other / "landing") == first and first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "-1"], "scale"),
        (["--start", "01/02/2025"], "01/02/2025"),
        (["--days", "0"], "days"),
    ],
)
def test_bad_simulate_arguments_get_a_clear_error(data_dir, args, message):
    result = _simulate(*args)
    assert result.exit_code == 2
    assert "error:" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_a_folder_holding_another_city_is_refused(data_dir):
    assert _simulate("--scale", "0.0005", "--days", "1", "--seed", "1").exit_code == 0
    result = _simulate("--scale", "0.0005", "--days", "1", "--seed", "2")
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output


def test_build_with_nothing_landed_says_what_to_do(data_dir):
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 2 and "emias simulate" in result.output


def test_build_refuses_a_partition_that_is_not_a_date(data_dir):
    result = runner.invoke(app, ["build", "--partition", "yesterday"])
    assert result.exit_code == 2 and "not a date" in result.output
