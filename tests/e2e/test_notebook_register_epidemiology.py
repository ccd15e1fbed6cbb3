"""notebooks/register_epidemiology.ipynb runs top to bottom on the session's small city without an error,
with its kernel started in `notebooks/` (as `jupyter execute` and Jupyter start it) or in the project root."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "register_epidemiology.ipynb"


def test_the_register_notebook_runs_clean(city_by_relative_path, kernel_folder):
    # the kernel inherits the environment: a relative EMIAS_DATA_DIR, taken from the project root
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(kernel_folder)}}
    )
    client.execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert not errors
    figures = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    assert len(figures) >= 4  # prevalence by okrug, pyramid, trend, funnel
