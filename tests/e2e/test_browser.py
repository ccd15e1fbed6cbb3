"""The dashboards in a real browser: Debian's Chromium driven by Playwright (`.ci/run` installs chromium).

Starts `streamlit run dashboards/app.py` on a free localhost port against the small built city, signs in
with a local user, opens the city overview and waits for its Plotly charts to be drawn; saves a screenshot
under the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit not healthy at {url} after {timeout} s")


@pytest.fixture
def served_dashboards(built_city, tmp_path):
    from dashboards.users import add_user

    users = tmp_path / "users.yaml"
    add_user("leader", "browser-test", "leader", path=users)
    port = _free_port()
    env = {
        **os.environ,
        "EMIAS_DATA_DIR": str(built_city["data_dir"]),
        "EMIAS_USERS_FILE": str(users),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboards" / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stopping it stops its children too
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_sign_in_and_see_the_city_overview_charts(served_dashboards, tmp_path):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: `apt-get install -y chromium` (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(served_dashboards, wait_until="domcontentloaded")
            page.get_by_label("User name").fill("leader")
            page.get_by_label("Password", exact=True).fill("browser-test")
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("heading", name="City overview").wait_for(timeout=60_000)
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 5", timeout=60_000)
            charts = page.locator(".js-plotly-plot").count()
            drawn = page.locator(".js-plotly-plot .scatterlayer .trace").count()
            page.screenshot(path=str(tmp_path / "city_overview.png"), full_page=True)
        finally:
            browser.close()
    assert charts >= 5 and drawn > 0
    assert (tmp_path / "city_overview.png").stat().st_size > 10_000
