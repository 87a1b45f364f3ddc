"""The app's warm-up: a run waits for the embedding model, never for UMAP's compilation."""

import threading
from dataclasses import replace

from ui.warmup import WarmUp


def test_waiting_for_the_model_does_not_wait_for_numba():
    compiling = threading.Event()
    release = threading.Event()

    def numba() -> None:
        compiling.set()
        release.wait(timeout=10)  # a broken wait_for_model returns only after this

    warm = WarmUp(model=lambda: None, numba=numba)
    try:
        assert compiling.wait(timeout=60)  # started without anyone waiting
        warm.wait_for_model()
        assert not warm.model.is_alive()
        assert warm.numba.is_alive()  # the embed stage may start while numba still compiles
    finally:
        release.set()
        warm.numba.join()


def test_numba_compiles_once_the_model_is_loaded():
    order: list[str] = []
    loading = threading.Event()

    def model() -> None:
        loading.wait(timeout=10)
        order.append("model")

    warm = WarmUp(model=model, numba=lambda: order.append("numba"))
    threading.Event().wait(0.05)
    assert order == []  # numba waits for the model, which is still loading
    loading.set()
    warm.numba.join(timeout=10)
    assert order == ["model", "numba"]


def test_numba_waits_while_held():
    hold, compiled = threading.Event(), threading.Event()
    warm = WarmUp(model=lambda: None, numba=compiled.set, hold=hold)
    warm.wait_for_model()
    assert not compiled.wait(0.1)  # the server's start is still finding the demo's texts
    hold.set()
    assert compiled.wait(10)


def test_waiting_for_the_model_waits_until_it_is_loaded():
    loaded = []

    def model() -> None:
        threading.Event().wait(0.05)
        loaded.append(True)

    warm = WarmUp(model=model, numba=lambda: None)
    warm.wait_for_model()
    assert loaded == [True]


def test_the_demo_embedded_at_server_start_is_not_embedded_again_by_the_first_session(monkeypatch, tmp_path):
    import ui.warmup as warmup
    from core import DEMO_PATH, load_table

    started: list[tuple] = []

    class Running:
        def stop(self, wait: bool = True) -> None:
            started.append(("stopped",))

    def fake_prefetch(table, params, folder, after):  # the real one embeds with the real model
        if table.content_hash == "numbers only":
            return None  # no texts: nothing started
        after()
        started.append((table.content_hash, params.roles, folder))
        return Running()

    warm = WarmUp(model=lambda: None, numba=lambda: None)
    monkeypatch.setattr(warmup, "_warm_up", lambda: warm)
    monkeypatch.setattr(warmup, "prefetch", fake_prefetch)
    warmup._prefetch.clear()
    try:
        warmup.start_on_server_start(tmp_path)
        demo = load_table(DEMO_PATH, name=DEMO_PATH.name)
        warmup._start_prefetch(warm, demo, {}, tmp_path)  # what the first session's prefetch_table does
        assert started == [(demo.content_hash, (), tmp_path)]
        warmup._start_prefetch(warm, demo, {}, tmp_path / "users" / "ana")  # a signed-in analyst's own cache
        assert [s[-1] for s in started] == [tmp_path, "stopped", tmp_path / "users" / "ana"]
        numbers = replace(demo, content_hash="numbers only")
        warmup._start_prefetch(warm, numbers, {}, tmp_path)  # a table without text ends the last prefetch
        assert started[-1] == ("stopped",)
    finally:
        warmup._prefetch.clear()
