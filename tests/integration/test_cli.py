"""The `emias` command line: same seed, same rows; bad input gets a one-line error, not a traceback.

The runner's terminal is 40 columns wide: a message that wrapped would break the phrases looked for here.
"""

import re

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner(env={"COLUMNS": "40"})


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path))
    return tmp_path


def _simulate(*args: str):
    return runner.invoke(app, ["simulate", *args])


def _error(result) -> str:
    """The error a failed command printed: exactly one line on stderr (a wrapped one would be several)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


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
    assert f"Simulated 3 days from 2025-03-03 into {other / 'landing'}" in result.output
    booked = len(pq.read_table(other / "landing" / "appointment_booked").to_pylist())
    assert re.search(rf"│ appointment_booked +│ +{booked:,} │", result.output)
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
    assert message in _error(result)
    assert "Traceback" not in result.output


def test_usage_errors_are_plain_lines(data_dir):
    result = _simulate("--unknown")  # click's own usage error, not typer's boxed panel that wraps
    assert result.exit_code == 2
    assert "Error: No such option: --unknown" in result.stderr.splitlines()


def test_a_folder_holding_another_city_is_refused(data_dir):
    assert _simulate("--scale", "0.0005", "--days", "1", "--seed", "1").exit_code == 0
    result = _simulate("--scale", "0.0005", "--days", "1", "--seed", "2")
    assert "holds another city" in _error(result) and "Traceback" not in result.output


def test_build_with_nothing_landed_says_what_to_do(data_dir):
    result = runner.invoke(app, ["build"])
    assert f"nothing has landed in {data_dir / 'landing'}: run `emias simulate` first" in _error(result)


def test_build_refuses_a_partition_that_is_not_a_date(data_dir):
    result = runner.invoke(app, ["build", "--partition", "yesterday"])
    assert _error(result) == "error: --partition 'yesterday' is not a date (YYYY-MM-DD)"


def test_an_error_naming_brackets_keeps_them(data_dir):
    # rich would read "[x]" in a message as markup and drop it; the error prints it as written
    result = runner.invoke(app, ["build", "--partition", "[2025-01-01]"])
    assert _error(result) == "error: --partition '[2025-01-01]' is not a date (YYYY-MM-DD)"
