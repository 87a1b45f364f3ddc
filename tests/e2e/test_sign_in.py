"""Sign-in in a real browser: before it, every page URL (a fresh server's first visit included) shows only the
form; after it, each analyst sees their own runs only, even by URL; downloads are audited; sign-out works."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.auth.audit import read_audit
from core.auth.users import add_user
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server, sign_in, wait_idle

SMALL = ROOT / "tests" / "data" / "reviews_150.csv"
PASSWORDS = {"alice": "alice's long password", "bob": "bob's long password"}
PAGES = ["", "data", "map", "segments", "recommendations", "export", "runs"]

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is installed by ./run_tests.sh")


def _save_run(workspace, run_id: str) -> str:
    from core.ingest.io import load_table
    from core.parameters import SegmentParams
    from core.pipeline import run_segmentation
    from core.runs.store import save_run
    from core.segment.cluster import ClusterParams
    from core.segment.reduce import ReduceParams

    params = SegmentParams(embedder="fake", reduce=ReduceParams(n_components=5, n_neighbors=15),
                           map=ReduceParams(n_components=2, n_neighbors=15), cluster=ClusterParams(min_cluster_size=10))
    return save_run(run_segmentation(load_table(SMALL), params, workspace), workspace, run_id=run_id)


def _only_the_form(page) -> str:
    page.wait_for_selector('h1:has-text("Sign in")', timeout=60_000)
    wait_idle(page)
    text = page.inner_text("body")
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert "Current run" not in text and "Workspace" not in text  # no sidebar content
    return text


def test_nothing_before_sign_in_and_each_analyst_sees_their_own_runs(tmp_path):
    from playwright.sync_api import sync_playwright

    users = tmp_path / "users.toml"
    for name, password in PASSWORDS.items():
        add_user(users, name, password)
    workspace = tmp_path / "ws"
    run_a = _save_run(workspace / "users" / "alice", "alices-run")
    run_b = _save_run(workspace / "users" / "bob", "bobs-run")
    env = {"SEGMENT_STUDIO_EMBEDDER": "fake", "SEGMENT_STUDIO_USERS": str(users)}
    with app_server(workspace, env=env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            def visit(path: str):
                page = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True).new_page()
                page.goto(f"{url}/{path}")
                return page

            # the fresh server's very first request is a deep link to alice's run
            text = _only_the_form(visit(f"segments?run={run_a}"))
            assert run_a not in text and "150 customers" not in text
            for name in PAGES:
                text = _only_the_form(visit(f"{name}?run={run_a}"))
                assert run_a not in text and run_b not in text

            # a wrong password is refused; bob signed in cannot open alice's run by its URL
            bob = visit(f"segments?run={run_a}")
            _only_the_form(bob)
            sign_in(bob, "bob", PASSWORDS["alice"])
            bob.wait_for_selector('[data-testid="stAlert"]:has-text("Wrong user name or password")', timeout=60_000)
            sign_in(bob, "bob", PASSWORDS["bob"])
            bob.wait_for_selector('h1:has-text("Segments")', timeout=60_000)
            wait_idle(bob)
            assert run_a not in bob.content() and "There is no segmentation yet" in bob.inner_text("body")
            assert "Signed in as bob" in bob.locator('[data-testid="stSidebar"]').inner_text()

            # alice sees her run by its URL, and on the Runs page hers only
            alice = visit(f"segments?run={run_a}")
            sign_in(alice, "alice", PASSWORDS["alice"])
            alice.wait_for_selector('h1:has-text("Segments")', timeout=60_000)
            wait_idle(alice)
            assert run_a in alice.locator('[data-testid="stSidebar"]').inner_text()
            alice.locator('[data-testid="stSidebarNav"] a').filter(has_text="Runs").first.click()
            alice.wait_for_selector('h1:has-text("Runs")', timeout=60_000)
            wait_idle(alice)
            assert run_a in alice.inner_text("body") and run_b not in alice.content()

            # her export is audited: who, which run, how many rows, ids hashed or not
            alice.locator('[data-testid="stSidebarNav"] a').filter(has_text="Export").first.click()
            alice.wait_for_selector('h1:has-text("Export")', timeout=60_000)
            wait_idle(alice)
            assert read_audit(workspace) == []
            with alice.expect_download() as download:
                alice.get_by_role("button", name="Segments (CSV)").click()
            assert len(Path(download.value.path()).read_bytes().splitlines()) == 151
            (entry,) = read_audit(workspace)
            assert (entry["user"], entry["run_id"], entry["rows"], entry["ids_hashed"]) == ("alice", run_a, 150, False)

            # signing out leaves only the form, and the run is gone from the URL
            alice.get_by_role("button", name="Sign out").click()
            assert run_a not in _only_the_form(alice) and run_a not in alice.url
        finally:
            browser.close()

        # no static path serves the workspace
        for path in (f"app/static/users/alice/runs/{run_a}/run.json", "app/static/audit.jsonl"):
            try:
                with urllib.request.urlopen(f"{url}/{path}", timeout=10) as response:
                    assert run_a not in response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as exc:
                assert exc.code == 404
