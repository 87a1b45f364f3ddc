"""The interface every text embedder follows, its registry, and helpers embedders share.

An embedder is one module that registers an :class:`EmbedderPlugin` with :func:`register`; the
package's ``__init__`` imports each module (one line). From then on its name is a choice of
``--embedder``, of the Map form and of saved runs, and ``assign`` rebuilds it from the saved model.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from core.schema import param

Progress = Callable[[int, int], None]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str  # the registered name that built it
    backend: str  # the runtime it runs on (torch, bf16, onnx; "auto" where there is nothing to choose)
    model_id: str  # the cache identity of its vectors
    per_text: bool  # True when a text's vector does not depend on the other texts (cacheable per text)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


#: the sentence-transformers model used unless another is named (shipped with the app, never downloaded)
DEFAULT_MODEL = "all-MiniLM-L6-v2"


def _devices() -> tuple[str, ...]:
    from core.represent.embedders.sentence_transformer import DEVICES  # it imports this module: read when asked

    return DEVICES


def _backends() -> tuple[str, ...]:
    from core.represent.embedders.runtime import BACKENDS  # it imports this module: read when asked

    return BACKENDS


@dataclass(frozen=True)
class EmbedderChoice:
    """What decides the text vectors: the embedder's name, the model, where and how it runs, the seed."""

    embedder: str = param("auto", what="The embedder", label="Embedder", kind=str, choices=lambda: embedder_names(),
                          help="auto: the model, or an embedder that reads the texts' language when it does not")
    model: str = param(DEFAULT_MODEL, what="The model", label="Model (sentence-transformers name or local folder)",
                       kind=str, help="the default ships with the app; nothing is downloaded")
    device: str = param("auto", what="The device", label="Device", kind=str, choices=_devices,
                        help="where the model runs: auto uses a CUDA GPU when there is one")
    backend: str = param("auto", what="The backend", label="Backend", kind=str, choices=_backends,
                         help="model runtime: torch = PyTorch (fp32 on CPU, fp16 on CUDA); bf16 = PyTorch with "
                              "bfloat16 autocast on CPU (auto's choice on CPUs with AMX or AVX-512 BF16); onnx = int8 "
                              "ONNX on CPU (auto's choice for the default model on other CPUs)")
    seed: int = 0


#: (embedder, notices for the analyst) for a choice; refuses what cannot run with a ParameterError
Build = Callable[[EmbedderChoice], tuple[Embedder, list[str]]]
#: another embedder when this one failed to load (with its notice), or None to give up
Fallback = Callable[[Embedder, Exception, EmbedderChoice], tuple[Embedder, str] | None]


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
