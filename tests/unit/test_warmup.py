"""The app's warm-up: a run waits for the embedding model, never for UMAP's compilation."""

import threading

from ui.warmup import WarmUp


def test_waiting_for_the_model_does_not_wait_for_numba():
    compiling = threading.Event()
    release = threading.Event()

    def numba() -> None:
        compiling.set()
        release.wait(timeout=10)  # a broken wait_for_model returns only after this

    warm = WarmUp(model=lambda: None, numba=numba)
    try:
        assert compiling.wait(timeout=60)  # both started at once, without anyone waiting
        warm.wait_for_model()
        assert not warm.model.is_alive()
        assert warm.numba.is_alive()  # the embed stage may start while numba still compiles
    finally:
        release.set()
        warm.numba.join()


def test_waiting_for_the_model_waits_until_it_is_loaded():
    loaded = []

    def model() -> None:
        threading.Event().wait(0.05)
        loaded.append(True)

    warm = WarmUp(model=model, numba=lambda: None)
    warm.wait_for_model()
    assert loaded == [True]
