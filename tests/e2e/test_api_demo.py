"""The README's API steps, run as written on the demo city, give bookable slots; /docs and /redoc render in
Chromium with every request beyond localhost aborted (Swagger UI and ReDoc come from the installed package).

The commands are read from the README's code block under "The operational API", so the README and what
works cannot drift apart. They run as a user runs them, in a shell-like sequence of `emias` processes, from
a folder holding the demo city in `data/landing`, with a narrow terminal (COLUMNS=40).
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from servers import free_port, offline_page, serving

from pipelines.cli import demo
from services.contract.landing import reference_dir
from services.simulator import simulate

ROOT = Path(__file__).resolve().parents[2]
EMIAS = str(Path(sys.executable).parent / "emias")
DEMO_START = dt.date(2025, 1, 1)  # `emias demo` simulates from this day

pytestmark = pytest.mark.browser


def readme_api_steps() -> list[str]:
    """The command lines of the README's bash block in "The operational API" (comments dropped)."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## The operational API") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's API section has no bash block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    """A folder holding the city `emias demo` simulates, in `data/landing`."""
    folder = tmp_path_factory.mktemp("demo")
    defaults = inspect.signature(demo).parameters
    simulate(
        folder / "data" / "landing",
        scale=defaults["scale"].default,
        start=DEMO_START,
        days=defaults["days"].default,
        seed=42,
    )
    return folder


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([EMIAS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def number(pattern: str, text: str) -> int:
    """The number (with thousands separators) a pattern's first group finds at the start of a line."""
    found = re.search(pattern, text, re.M)
    assert found, f"{pattern!r} not in {text!r}"
    return int(found.group(1).replace(",", ""))


def test_the_readme_api_steps_give_bookable_slots_and_docs_that_render_offline(demo_folder, tmp_path):
    steps = readme_api_steps()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMIAS_")}
    env |= {"EMIAS_DATA_DIR": str(demo_folder / "data"), "COLUMNS": "40"}
    exports = dict(s.removeprefix("export ").split("=", 1) for s in steps if s.startswith("export "))
    commands = [shlex.split(s) for s in steps if s.startswith("emias ")]
    assert [c[:3] for c in commands] == [
        ["emias", "api", "seed"],
        ["emias", "api", "activity"],
        ["emias", "api", "token"],
        ["emias", "api", "serve"],
    ]
    seed, activity, token, serve = commands

    # without the README's clock, seeding says (in one unbroken line) which clock books the demo's slots
    landing = demo_folder / "data" / "landing"
    refused = run(seed[1:], demo_folder, env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    advice = next(line for line in refused.stderr.splitlines() if line.startswith("error:"))
    assert "no free slot starts after the service's clock" in advice
    assert f"export EMIAS_API_CLOCK_START={exports['EMIAS_API_CLOCK_START']}" in advice
    assert re.search(r"slots +[\d,]+ \([\d,]+ new\)", refused.stdout)

    env |= exports
    seeded = run(seed[1:], demo_folder, env)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    assert f"from {landing}" in seeded.stdout and "(0 new)" in seeded.stdout  # the second seed adds nothing
    day_after = DEMO_START + dt.timedelta(days=inspect.signature(demo).parameters["days"].default)
    assert f"Slots start from {day_after} 08:00 to " in seeded.stdout
    assert number(r"^([\d,]+) free slots start after the service's clock", seeded.stdout) > 100

    driven = run(activity[1:], demo_folder, env)
    assert driven.returncode == 0, driven.stdout + driven.stderr
    asked = int(activity[activity.index("--bookings") + 1])
    booked = number(r"^Booked ([\d,]+) appointments", driven.stdout)
    assert 0.9 * asked <= booked <= asked
    assert re.search(rf"^  appointment_booked +{booked:,}$", driven.stdout, re.M)

    issued = run(token[1:], demo_folder, env)
    assert issued.returncode == 0, issued.stderr
    bearer = {"Authorization": f"Bearer {issued.stdout.strip()}"}
    facility = int(token[token.index("--facility-id") + 1])

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serving([EMIAS, *serve[1:], "--port", str(port)], f"{url}/healthz", tmp_path / "api.log",
                 cwd=demo_folder, env=env):  # fmt: skip
        slots = httpx.get(f"{url}/api/v1/slots", params={"facility_id": facility}, headers=bearer).json()
        assert slots and all(s["facility_id"] == facility for s in slots)
        patient = pq.read_table(reference_dir(landing, "patients"), columns=["patient_id"])["patient_id"][0]
        booking = {"slot_id": slots[0]["slot_id"], "patient_id": patient.as_py()}
        made = httpx.post(f"{url}/api/v1/appointments", json=booking, headers=bearer)
        assert made.status_code == 201, made.text
        operations = sum(len(p) for p in httpx.get(f"{url}/openapi.json").json()["paths"].values())
        rendered = render_docs(url)
    assert rendered["tried_outside"] == []
    assert rendered["title"].startswith("EMIAS operational API")
    assert rendered["operations"] == operations > 20
    assert "EMIAS operational API" in rendered["redoc_heading"]
    assert rendered["redoc_operations"] >= operations


def render_docs(url: str) -> dict:
    """Open /docs and /redoc offline; what Swagger UI and ReDoc drew, and what they tried to fetch."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, offline_page(p) as (page, tried_outside):
        page.goto(f"{url}/docs")
        page.locator(".swagger-ui .opblock").first.wait_for(timeout=30_000)
        title = page.locator(".swagger-ui .info .title").inner_text()
        operations = page.locator(".swagger-ui .opblock").count()
        page.goto(f"{url}/redoc")
        page.locator(".api-content h1").first.wait_for(timeout=30_000)
        return {
            "title": title,
            "operations": operations,
            "redoc_heading": page.locator(".api-content h1").first.inner_text(),
            "redoc_operations": page.locator(".menu-content [role=menuitem]").count(),
            "tried_outside": list(tried_outside),
        }
