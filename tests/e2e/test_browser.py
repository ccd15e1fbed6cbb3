"""The dashboards in a real browser: Debian's Chromium driven by Playwright (`.ci/run` installs chromium).

Starts the dashboards with the command `emias dashboards` runs (viewer mode) on a free localhost port against
the small built city. For each role it signs in, checks the menu lists exactly the role's pages, and opens
every page it may see by its address (a fresh page load: the sign-in must survive it) and checks what a
person reads there: no machine column names, no "None", no midnight timestamps, shares written with %.
Then it signs out and checks a reload asks for the password again. Screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from dashboards.roles import CHIEF_PHYSICIAN, PAGES, ROLES, may_see
from tests.e2e.servers import CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium, serving

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "browser-test"
COOKIE = "emias_dashboards_session"

# what a person must never read on a page: machine names of columns and codes, empty markers, midnight
FORBIDDEN = {
    "a snake_case identifier": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "None": re.compile(r"\bNone\b"),
    "NaN": re.compile(r"\bNaN\b|<NA>|\bNaT\b"),
    "a midnight timestamp": re.compile(r"00:00:00"),
}
NO_PERCENT_PAGES = {"data_quality", "costs"}  # the pages without a share or a rate in %

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served_dashboards(built_city, tmp_path_factory):
    import duckdb

    from dashboards.users import add_user
    from pipelines.cli import _streamlit_command

    folder = tmp_path_factory.mktemp("browser")
    con = duckdb.connect(str(Path(built_city["data_dir"]) / "warehouse.duckdb"), read_only=True)
    facility_id = con.execute(
        "select min(facility_id) from marts.dim_facilities where facility_kind = 'adult_polyclinic'"
    ).fetchone()[0]
    con.close()
    users = folder / "users.yaml"
    for role in ROLES:
        add_user(_name(role), PASSWORD, role, facility_id if role == CHIEF_PHYSICIAN else None, path=users)
    port = free_port()
    env = {
        **os.environ,
        "EMIAS_DATA_DIR": str(built_city["data_dir"]),
        "EMIAS_USERS_FILE": str(users),
    }
    command = _streamlit_command(port) + ["--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    url = f"http://127.0.0.1:{port}"
    with serving(command, f"{url}/_stcore/health", folder / "streamlit.log", cwd=ROOT, env=env):
        yield {"url": url, "folder": folder, "facility_id": int(facility_id)}


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _name(role: str) -> str:
    """A user name as people choose them (the sidebar shows it; a role code would read as a machine name)."""
    return f"test {ROLES[role].lower()}"


def _sign_in(page, url: str, role: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_label("User name").fill(_name(role))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for(timeout=60_000)
    _wait_for(lambda: any(c["name"] == COOKIE for c in page.context.cookies()), "the sign-in cookie")


def _wait_for(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {timeout} s")
        time.sleep(0.25)


def _open(page, url: str, key: str, facility_id: int) -> None:
    """Open a page by its address (the facility pages with a facility chosen, as a shared link would) and
    wait until its script has finished and its charts are drawn."""
    facility = f"&facility={facility_id}" if key.startswith("facility") else ""
    page.goto(f"{url}/{key}?period=All+data{facility}", wait_until="domcontentloaded")
    page.locator("h2").first.wait_for(timeout=60_000)
    # the app's own script state: "initial" on a fresh load, "running", then "notRunning" once the page's
    # script ended (the status widget alone is not there yet just after the load, on a slow machine)
    page.wait_for_function(
        "document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'"
        " && !document.querySelector('[data-testid=stStatusWidget]')"
        " && [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))",
        timeout=120_000,
    )
    time.sleep(1)  # the tables' cells are laid out just after the run ends


def _readable_text(page) -> str:
    """What a person reads on the page: its text, and the cells and headers of its tables (drawn on a
    canvas, with their text in the grid's accessible DOM) and of its charts (SVG)."""
    return page.evaluate(
        """() => [
            document.querySelector('[data-testid=stMain]').innerText,
            ...[...document.querySelectorAll('[data-testid=stDataFrame]')].map(t => t.textContent),
            ...[...document.querySelectorAll('.js-plotly-plot')].map(p => p.textContent),
            document.querySelector('[data-testid=stSidebar]').innerText,
        ].join('\\n')"""
    )


def _menu(page) -> list[str]:
    return sorted(page.locator("[data-testid=stSidebarNavLink]").all_inner_texts())


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_reads_its_pages_as_people_write_them(served_dashboards, browser, role):
    url, folder = served_dashboards["url"], served_dashboards["folder"]
    allowed = [p for p in PAGES if may_see(role, p.key)]
    page = browser.new_page(viewport={"width": 1500, "height": 2400})
    try:
        _sign_in(page, url, role)
        assert _menu(page) == sorted(p.title for p in allowed)
        assert not page.get_by_text("Deploy", exact=True).count()  # viewer mode
        problems = []
        for spec in allowed:
            _open(page, url, spec.key, served_dashboards["facility_id"])  # a fresh load: the cookie keeps
            # the user signed in
            assert page.locator("h2").first.inner_text() == spec.title
            assert not page.get_by_text("Please sign in").count()
            page.screenshot(path=str(folder / f"{role}_{spec.key}.png"), full_page=True)
            text = _readable_text(page)
            assert not page.locator("[data-testid=stException]").count(), (spec.key, text[:500])
            for what, pattern in FORBIDDEN.items():
                found = sorted(set(pattern.findall(text)))
                if found:
                    problems.append((spec.key, what, found[:5]))
            if spec.key not in NO_PERCENT_PAGES and not re.search(r"\d%", text):
                problems.append((spec.key, "no share written with %", ""))
        assert not problems, problems

        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("User name").wait_for(timeout=30_000)
        _wait_for(lambda: all(c["name"] != COOKIE for c in page.context.cookies()), "cookie cleared")
        page.reload(wait_until="domcontentloaded")
        page.get_by_label("User name").wait_for(timeout=30_000)
    finally:
        page.close()
