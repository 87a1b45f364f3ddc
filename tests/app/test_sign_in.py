"""AppTest of sign-in: the form and nothing else until then, wrong passwords throttled, each analyst in their own
folder, every download audited, sign-out, a broken list or an unguarded network address serving nothing."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.auth.audit import read_audit
from core.auth.users import add_user
from tests.app.test_pages import APP, RUN_TIMEOUT, SMALL, _page, _upload
from tests.app.test_trust import _run

PASSWORD = "a long enough password"
PAGES = ["start", "data", "map", "segments", "recommendations", "export", "runs"]


@pytest.fixture
def users(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    monkeypatch.setenv("SEGMENT_STUDIO_USERS", str(path))
    return path


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """The data handed to every download button drawn, by label (a callable for the audited ones)."""
    handed, real = {}, st.download_button

    def record(label, data, *args, **kwargs):
        handed[label] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", record)
    return handed


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign-in-name").input(name)
    at.text_input(key="sign-in-password").input(password)
    return at.button(key="sign-in-submit").click().run()


def _only_the_form(at: AppTest) -> None:
    assert not at.exception and _titles(at) == ["Sign in"]
    assert not at.sidebar.children or not any(at.sidebar.get(kind) for kind in ("caption", "text", "button"))
    assert "run_id" not in at.session_state and "dataset" not in at.session_state


def test_every_page_and_a_run_url_show_only_the_form(ws, users):
    add_user(users, "alice", PASSWORD)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["run"] = "any-run"
    _only_the_form(at.run())
    for page in PAGES:
        _only_the_form(_page(at, page))


def test_signed_in_analysts_work_in_their_own_folder_and_every_download_is_audited(ws, users, downloads):
    add_user(users, "alice", PASSWORD)
    at = _sign_in(AppTest.from_file(APP, default_timeout=60).run(), "alice", PASSWORD)
    assert _titles(at) == ["Segment Studio"]
    assert "Signed in as alice" in [c.value for c in at.sidebar.caption]
    run_id = _run(_upload(at, "reviews.csv", SMALL.read_bytes()))
    mine = ws / "users" / "alice"
    assert (mine / "runs" / run_id).is_dir() and list((mine / "uploads").iterdir())
    assert not (ws / "runs").exists() and not (ws / "uploads").exists()

    _page(at, "export")
    assert set(downloads) == {"Segments (CSV)", "Segments (Parquet)", "Profiles (JSON)", "Run parameters (JSON)"}
    for label in downloads:
        assert isinstance(downloads[label](), bytes)
    entries = read_audit(ws)
    assert [e["user"] for e in entries] == ["alice"] * 4 and {e["run_id"] for e in entries} == {run_id}
    assert entries[0]["rows"] == 150 and entries[0]["file"].endswith(".csv") and not entries[0]["ids_hashed"]

    at.toggle(key="export-hash-ids").set_value(True).run()
    downloads["Segments (CSV)"]()
    assert read_audit(ws)[-1]["ids_hashed"] is True

    _page(at, "runs")
    at.file_uploader(key="assign-upload").upload("new.csv", SMALL.read_bytes(), "text/csv")
    at.button(key="assign-go").click().run(timeout=RUN_TIMEOUT)
    downloads["Assigned segments (CSV)"]()
    assert read_audit(ws)[-1] | {"time": None} == {"time": None, "user": "alice", "run_id": run_id,
                                                  "file": f"segments-assigned-{run_id}.csv", "rows": 150,
                                                  "ids_hashed": False}


def test_wrong_passwords_are_throttled_per_user_name(ws, users):
    add_user(users, "throttled", PASSWORD)
    at = AppTest.from_file(APP, default_timeout=60).run()
    for _ in range(3):
        refused = _sign_in(at, "throttled", "not the password").error
        assert [e.value for e in refused] == ["Wrong user name or password."]
    assert "Too many wrong passwords" in _sign_in(at, "throttled", PASSWORD).error[0].value
    other_session = _sign_in(AppTest.from_file(APP, default_timeout=60).run(), "throttled", PASSWORD)
    assert "Too many wrong passwords" in other_session.error[0].value
    _only_the_form(other_session)


def test_sign_out_forgets_the_session(ws, users):
    add_user(users, "alice", PASSWORD)
    at = _sign_in(AppTest.from_file(APP, default_timeout=60).run(), "alice", PASSWORD)
    _page(at, "data").button(key="data-demo").click().run()
    assert at.session_state["dataset"]
    at.button(key="sign-out").click().run()
    _only_the_form(at)
    _only_the_form(_page(at, "data"))


def test_a_broken_user_list_shuts_the_door(ws, users):
    users.write_text('[users]\nalice = "a plain password"\n')
    at = AppTest.from_file(APP, default_timeout=60).run()
    _only_the_form(at)
    assert "argon2" in at.error[0].value and not at.text_input


@pytest.mark.parametrize("address", ["0.0.0.0", "", "192.168.1.20", "::"])
def test_on_a_network_address_without_sign_in_nothing_is_served(ws, monkeypatch, address):
    real = st.get_option
    monkeypatch.setattr(st, "get_option", lambda name: address if name == "server.address" else real(name))
    at = AppTest.from_file(APP, default_timeout=60).run()
    _only_the_form(at)
    assert "not configured" in at.error[0].value and not at.text_input


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1"])
def test_on_loopback_without_sign_in_the_app_opens_as_before(ws, monkeypatch, address):
    real = st.get_option
    monkeypatch.setattr(st, "get_option", lambda name: address if name == "server.address" else real(name))
    assert _titles(AppTest.from_file(APP, default_timeout=60).run()) == ["Segment Studio"]


def test_an_identity_provider_signs_in_to_a_folder_of_its_own(ws):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration"}
    at.user = {"is_logged_in": False}
    _only_the_form(at.run())
    assert [b.label for b in at.button] == ["Sign in with your identity provider"] and not at.text_input

    at.user = {"is_logged_in": True, "email": "Carol@Example.com"}
    _page(at, "data")
    captions = [c.value.replace("\\", "") for c in at.sidebar.caption]
    assert _titles(at) == ["Data"] and "Signed in as Carol@Example.com" in captions
    assert any(c.startswith(f"Workspace: {ws}/users/carol_example.com-") for c in captions), captions
