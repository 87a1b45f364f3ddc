"""The interface every text embedder follows, its registry, and helpers embedders share.

An embedder is one module that registers an :class:`EmbedderPlugin` with :func:`register`; the
package's ``__init__`` imports each module (one line). From then on its name is a choice of
``--embedder``, of the Map form and of saved runs, and ``assign`` rebuilds it from the saved model.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from core.represent.embedders.choice import EmbedderChoice

Progress = Callable[[int, int], None]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str  # the registered name that built it
    backend: str  # the runtime it runs on (torch, bf16, onnx; "auto" where there is nothing to choose)
    model_id: str  # the cache identity of its vectors
    per_text: bool  # True when a text's vector does not depend on the other texts (cacheable per text)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


#: (embedder, notices for the analyst) for a choice; refuses what cannot run with a ParameterError
Build = Callable[["EmbedderChoice"], tuple[Embedder, list[str]]]
#: another embedder when this one failed to load (with its notice), or None to give up
Fallback = Callable[[Embedder, Exception, "EmbedderChoice"], tuple[Embedder, str] | None]


@dataclass(frozen=True)
class EmbedderPlugin:
    """A named way to embed texts."""

    name: str  # the --embedder value
    label: str  # how the Map form names it
    build: Build
    fallback: Fallback | None = None
    reproducible: bool = True  # a new text gets the vector it would have had in the run (assign needs it)
    for_tests: bool = False  # hidden from the Map form unless the tests ask for it


EMBEDDERS: dict[str, EmbedderPlugin] = {}


def register(plugin: EmbedderPlugin) -> EmbedderPlugin:
    """Make an embedder reachable by its name."""
    EMBEDDERS[plugin.name] = plugin
    return plugin


def embedder_names() -> tuple[str, ...]:
    """The choices of ``--embedder``: "auto" (by the texts' language) and every registered embedder."""
    return ("auto", *EMBEDDERS)


def length_sorted_batches(texts: Sequence[str], batch: int) -> Iterator[np.ndarray]:
    """Indices of ``texts`` in batches, longest first, so padding is small and memory peaks early."""
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(texts), batch):
        yield order[start : start + batch]


def cpu_threads() -> int:
    """Threads a CPU-bound embedder may use: ``OMP_NUM_THREADS`` when set (Ray sets it to each worker's CPUs),
    else the cores this process may run on."""
    try:
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    except (KeyError, ValueError):
        pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
