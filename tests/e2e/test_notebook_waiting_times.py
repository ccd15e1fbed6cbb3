"""The analyst notebook runs top to bottom on the small city's warehouse."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "waiting_times.ipynb"


def test_waiting_times_notebook_runs(built_city, monkeypatch, tmp_path):
    # the kernel inherits the environment: the read API finds the small city's warehouse
    monkeypatch.setenv("EMIAS_DATA_DIR", str(built_city["data_dir"]))
    monkeypatch.delenv("EMIAS_TARGET", raising=False)
    monkeypatch.delenv("EMIAS_DUCKDB_PATH", raising=False)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("over_28_days" in str(o.get("data", {})) for o in outputs)
