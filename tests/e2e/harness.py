"""Drive the real app: `streamlit run app.py` on a free port and Debian's Chromium through Playwright.

Used by the browser test and by the benchmark/screenshot script (bench/cold_start.py).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def app_server(workspace: Path, env: dict[str, str] | None = None, timeout: float = 120,
               app_args: tuple[str, ...] = ()) -> Iterator[str]:
    """Start the app on a free localhost port with its own workspace (and no secrets.toml); yield its URL; stop it.
    ``app_args`` go to app.py (``("--demo",)``: every session starts on the demo, as ``./run_app.sh`` does).

    With ``SEGMENT_STUDIO_EMBEDDER=fake`` in ``env`` the server starts through :mod:`tests.e2e.serve_app`, which
    registers the tests' fake embedder first (the app itself does not)."""
    port = free_port()
    streamlit = "tests.e2e.serve_app" if (env or {}).get("SEGMENT_STUDIO_EMBEDDER") == "fake" else "ui.serve"
    with open(Path(workspace).parent / f"streamlit-{port}.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", streamlit, "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--secrets.files", str(Path(workspace).parent / "secrets.toml"),
             *(["--", *app_args] if app_args else [])],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "SEGMENT_STUDIO_WORKSPACE": str(workspace), **(env or {})},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_healthy(url, process, timeout)
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}; see {log.name}") from None
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until the server at ``url`` answers its health check (raise if ``process`` exits first)."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not answer /_stcore/health within {timeout:.0f} s")
        time.sleep(0.25)


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp and tcp6, as ``ss -ltn``)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, len(address), 8))
            found.add(str(ipaddress.ip_address(raw)))
    return found


def sign_in(page, name: str, password: str) -> None:
    """Fill the sign-in form and press Sign in."""
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


@contextmanager
def browser_page(width: int = 1440, height: int = 1000) -> Iterator[object]:
    """A Playwright page in Debian's headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
            yield context.new_page()
        finally:
            browser.close()


def wait_idle(page, timeout: float = 60) -> None:  # page: a playwright Page
    """Wait until the app's script has finished running (Streamlit's own e2e signal)."""
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout * 1000)


def open_page(page, title: str, heading: str | None = None, timeout: float = 60) -> None:
    """Click a page in the sidebar navigation (the session, and its state, stay the same)."""
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.wait_for_selector(f'h1:has-text("{heading or title}")', timeout=timeout * 1000)
    wait_idle(page, timeout)


def map_points(page) -> int:
    """Number of points drawn on the map (summed over its traces)."""
    return page.evaluate(
        """() => { const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
                   return plot && plot._fullData ? plot._fullData.reduce((n, t) => n + (t._length || 0), 0) : 0; }"""
    )


def run_segmentation(page, timeout: float = 600, min_cluster_size: int | None = None) -> float:
    """Press Run on the Map page (optionally with another minimum segment size); wait for the map; seconds taken."""
    if min_cluster_size is not None:
        field = page.get_by_label("Minimum segment size", exact=True)  # not its "Help for …" button
        field.fill(str(min_cluster_size))
        field.press("Tab")
    started = time.perf_counter()
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function(
        """() => { const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
                   return plot && plot.data && plot.data.length > 0; }""",
        timeout=timeout * 1000,
    )
    seconds = time.perf_counter() - started
    wait_idle(page, timeout)
    return seconds


def screenshot(page, path: Path, full_page: bool = False, max_height: int = 3200) -> None:
    """A PNG of the page; ``full_page`` grows the window to the app's content (Streamlit scrolls inside it)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    if full_page:
        height = page.evaluate(
            """() => { const main = document.querySelector('[data-testid="stMain"]');
                       return main ? main.scrollHeight : document.body.scrollHeight; }""")
        page.set_viewport_size({"width": size["width"], "height": int(min(max(height, size["height"]), max_height))})
    page.wait_for_timeout(1000)  # let charts finish their transition
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def box_select(page, left: float, top: float, right: float, bottom: float) -> None:
    """Drag a box over the 2-D map, in fractions of its plotting area."""
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.scroll_into_view_if_needed()
    chart.locator('.modebar-btn[data-title="Box Select"]').first.click()
    area = chart.locator(".nsewdrag").first.bounding_box()
    x0, y0 = area["x"] + left * area["width"], area["y"] + top * area["height"]
    x1, y1 = area["x"] + right * area["width"], area["y"] + bottom * area["height"]
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
