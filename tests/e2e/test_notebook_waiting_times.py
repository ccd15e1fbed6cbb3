"""The analyst notebook runs top to bottom on the small city's warehouse, with its kernel started in
`notebooks/` (as `jupyter execute` and Jupyter start it) or in the project root."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "waiting_times.ipynb"


def test_waiting_times_notebook_runs(city_by_relative_path, kernel_folder):
    # the kernel inherits the environment: a relative EMIAS_DATA_DIR, taken from the project root
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(kernel_folder)}}
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("over_28_days" in str(o.get("data", {})) for o in outputs)
