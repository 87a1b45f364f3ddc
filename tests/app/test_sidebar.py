"""AppTest: the sidebar's data line names the table the Data page loads on the same run, not one rerun later."""

from __future__ import annotations

from tests.app.test_pages import SMALL, _app, _texts, _upload


def test_the_sidebar_names_an_upload_and_the_demo_on_the_run_that_loads_them(ws):
    at = _upload(_app(), "small.csv", SMALL.read_bytes())
    assert not at.exception
    assert "small.csv" in _texts(at.sidebar.text)
    at.button(key="data-demo").click().run()
    assert "womens_clothing_reviews_3k.csv" in _texts(at.sidebar.text)
