"""Opening a saved run's page in AppTest, shared by the AppTest modules."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_run_page(run_id: str, page: str) -> AppTest:
    """The app opened on ``?run=run_id`` and switched to ``pages/{page}.py``, with no exception shown."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["run"] = run_id
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at
