"""Import pynndescent without compiling it: its eager signatures are compiled on first use instead.

``import pynndescent`` (which ``import umap`` does) compiles about a hundred functions declared with explicit
signatures (every distance, sparse and quantized variants, random-projection trees) before anything can run:
37 s on a busy 2-core machine with an empty numba cache, though inputs up to ``reduce.EXACT_KNN_ROWS`` call none
of them. :func:`import_pynndescent` imports it with those compilations deferred: each such function compiles
exactly its declared signatures (and then refuses others, as numba does) the first time it is called or typed,
so what runs is the same machine code as before, only later, and only for the functions that run.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from numba.core import target_extension
from numba.core.compiler_lock import global_compiler_lock
from numba.core.registry import CPUDispatcher

_lock = threading.Lock()


class DeferredDispatcher(CPUDispatcher):
    """A CPU dispatcher that records its declared signatures and compiles them when first needed."""

    _deferring = False  # True only between the decorator's compile() calls and the first use
    _declared: list[Any]
    _disable_after = False

    def compile(self, sig: Any) -> Any:
        if self._deferring:
            self._declared.append(sig)
            return None
        return super().compile(sig)

    def disable_compile(self, val: bool = True) -> None:
        if self._deferring:
            self._disable_after = val
            return
        super().disable_compile(val)

    def compile_declared(self) -> bool:
        """Compile the recorded signatures if not yet done (from numba's disk cache when it has them)."""
        with global_compiler_lock:
            if not self._deferring:
                return False
            self._deferring = False
            for sig in self._declared:
                self.compile(sig)
            if self._disable_after:
                self.disable_compile()
            return True

    def _compile_for_args(self, *args: Any, **kws: Any) -> Any:
        if self.compile_declared():
            return self  # numba calls what this returns: dispatch among the declared signatures, as eagerly
        return super()._compile_for_args(*args, **kws)  # type: ignore[misc]

    def get_call_template(self, args: Any, kws: Any) -> Any:
        self.compile_declared()
        return super().get_call_template(args, kws)


@contextmanager
def deferred_compilation() -> Iterator[None]:
    """While active, functions jitted with explicit signatures on the CPU compile them on first use."""
    resolve = target_extension.resolve_dispatcher_from_str

    def resolve_deferred(target: str) -> Any:
        found = resolve(target)
        if found is not CPUDispatcher:
            return found

        def make(*args: Any, **kwargs: Any) -> Any:
            dispatcher = DeferredDispatcher(*args, **kwargs)
            dispatcher._deferring, dispatcher._declared, dispatcher._disable_after = True, [], False
            return dispatcher

        return make

    target_extension.resolve_dispatcher_from_str = resolve_deferred
    try:
        yield
    finally:
        target_extension.resolve_dispatcher_from_str = resolve


def import_pynndescent() -> None:
    """Import pynndescent (once per process) with its eager compilations deferred to first use.

    (This module imports numba: import it inside functions, as ``numba_cache`` does.)
    """
    with _lock:
        if "pynndescent" in sys.modules:
            return
        with deferred_compilation():
            import pynndescent  # noqa: F401
