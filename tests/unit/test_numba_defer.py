"""Deferred eager compilation: the same declared signatures, compiled on first use instead of at import."""

import numba
import numpy as np
import pytest

from core.segment.numba_defer import deferred_compilation


def test_declared_signatures_compile_on_first_call_only():
    with deferred_compilation():
        @numba.njit(["f8(f8)"])
        def double(x):
            return 2 * x

    assert double.signatures == []  # nothing compiled at import
    assert double(3) == 6.0  # an int converts to the declared float64, as with eager compilation
    assert [str(s) for s in double.signatures] == ["(float64,)"]
    with pytest.raises(TypeError):
        double(np.zeros(2))  # no new signature is compiled for other types, as with eager compilation


def test_declared_signatures_compile_when_called_from_jitted_code():
    with deferred_compilation():
        @numba.njit(["f4(f4[::1])"])
        def total(values):
            return values.sum()

    @numba.njit
    def caller(values):
        return total(values) + 1

    assert caller(np.ones(3, dtype=np.float32)) == 4.0
    assert [str(s) for s in total.signatures] == ["(Array(float32, 1, 'C', False, aligned=True),)"]


def test_outside_the_context_numba_compiles_eagerly():
    with deferred_compilation():
        pass

    @numba.njit(["i8(i8)"])
    def increment(x):
        return x + 1

    assert len(increment.signatures) == 1


def test_a_cached_function_can_take_a_deferred_one_as_argument(tmp_path, monkeypatch):
    # NN-descent passes its distance functions to cached jitted functions; the cache index pickles their types
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    with deferred_compilation():
        @numba.njit(["f8(f8)"], cache=True)
        def square(x):
            return x * x

    @numba.njit(cache=True)
    def apply(f, x):
        return f(x)

    assert apply(square, 3.0) == 9.0
    assert any(tmp_path.rglob("*.nbi"))
