"""Start the dashboard (``streamlit run dashboard/app.py``) on 127.0.0.1 for tests, screenshots and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
# Debian's package (scripts/ensure-system-packages.sh): Playwright cannot download its own browsers here
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running dashboard: its base URL and the server's process id."""

    url: str
    pid: int


@contextmanager
def serve(warehouse: Path, port: int | None = None, timeout: float = 60.0, log: Path | None = None) -> Iterator[Server]:
    """Run the dashboard against ``warehouse`` (as $WAREHOUSE_DIR) on 127.0.0.1; yield it; stop it afterwards."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse)}
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode} before answering on {url}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.2)
        yield Server(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            output.close()  # type: ignore[union-attr]


def arm(page: object) -> None:
    """Before an action that reruns the script: count the runs it starts, so :func:`settle` waits for that rerun."""
    page.evaluate(  # type: ignore[attr-defined]
        """() => {
            window.__stRuns = 0;
            const app = document.querySelector('[data-testid=stApp]');
            new MutationObserver(() => {
                if (app.getAttribute('data-test-script-state') === 'running') window.__stRuns += 1;
            }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        }"""
    )


def settle(page: object, timeout_ms: int = 30_000) -> None:
    """Wait until the Streamlit script of a Playwright ``page`` has finished and the browser has drawn the result.

    The script state turns notRunning when the server is done, before the browser has drawn every element (charts
    load their code lazily and show a skeleton meanwhile): wait for both. After :func:`arm`, also wait for the rerun
    the action started; otherwise (a page load) give the run 250 ms to start.
    """
    armed = page.evaluate("() => window.__stRuns !== undefined")  # type: ignore[attr-defined]
    if not armed:
        page.wait_for_timeout(250)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => {
            const app = document.querySelector('[data-testid=stApp]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && (window.__stRuns === undefined || window.__stRuns > 0)
                && document.querySelector('h1') && !document.querySelector('[data-testid=stSkeleton]');
        }""",
        timeout=timeout_ms,
    )


def pick(page: object, label: str, option: str, timeout_ms: int = 30_000) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (typing filters the list); does not wait for the rerun."""
    box = page.locator("[data-testid=stSelectbox]").filter(has_text=label).first  # type: ignore[attr-defined]
    choice = page.get_by_role("option", name=option, exact=True)  # type: ignore[attr-defined]
    for attempt in range(3):  # a click landing while the page is still settling can leave the list closed
        box.locator("input").click()
        box.locator("input").fill(option)
        try:
            choice.wait_for(timeout=timeout_ms // 3)
            break
        except Exception:
            if attempt == 2:
                raise
    choice.click()
