"""Servers started for real and Debian's Chromium to look at them: a free port, a server in its own process
group (stopped with SIGINT, as `dagster dev` needs), and a Playwright page whose network stops at localhost
(the browser is Debian's, driven by path; never a downloaded one)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

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
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until `url` answers 200; fail early when the server process has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer after {timeout} s")


@contextmanager
def serving(cmd: list[str], health_url: str, log: Path, **popen):
    """Run a server in its own process group until the block ends (SIGINT, then SIGKILL after 10 s)."""
    with log.open("w") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **popen)
        try:
            wait_healthy(health_url, process)
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def require_chromium() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: `apt-get install -y chromium` (.ci/run does it)")


@contextmanager
def offline_page(playwright):
    """A page whose requests beyond localhost are aborted; yields (page, the outside URLs it tried)."""
    require_chromium()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    tried_outside: list[str] = []

    def only_localhost(route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            tried_outside.append(route.request.url)
            route.abort("internetdisconnected")

    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", only_localhost)
        yield context.new_page(), tried_outside
    finally:
        browser.close()
