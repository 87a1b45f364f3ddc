"""The default model exported to ONNX with int8 weights (``onnx_export``), for CPUs without native bfloat16."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ModelError
from core.represent.embedders.base import Progress, cpu_threads, length_sorted_batches
from core.represent.embedders.sentence_transformer import (
    DEFAULT_MODEL,
    model_short_name,
    resolve_model_path,
)

if TYPE_CHECKING:
    from core.represent.embedders.onnx_export import OnnxRunner


CHUNK = 32  # texts a thread takes at a time (longest first, so the last chunks are short and the threads end together)


class OnnxEmbedder:
    """A mean-pooled sentence-transformers model as int8 ONNX on CPU, exported locally on first use."""

    name = "model"
    backend = "onnx"
    per_text = True
    _loaded: dict[str, OnnxRunner] = {}

    def __init__(self, model: str = DEFAULT_MODEL, threads: int | None = None) -> None:
        from core.represent.embedders.onnx_export import RECIPE

        self.model_name = model
        self.threads = threads or cpu_threads()
        # its vectors differ from fp32 ones; "single": each text runs alone, so its vector is the same in any company
        self.model_id = f"onnx-{RECIPE}:{model_short_name(model)}"
        self._runner: OnnxRunner | None = None

    @property
    def runner(self) -> OnnxRunner:
        """The session and tokenizer, one per model per process (exported on first need)."""
        if self._runner is None:
            if self.model_name not in self._loaded:
                from core.represent.embedders.onnx_export import (
                    OnnxRunner,
                    onnx_available,
                )

                if not onnx_available():
                    raise ModelError("The onnx backend needs the onnx and onnxruntime packages. "
                                     "Run the setup command again, or use --backend torch.")
                path = Path(resolve_model_path(self.model_name))
                if not path.is_dir():
                    raise ModelError(f"The onnx backend needs the model's folder; {self.model_name!r} is not one "
                                     "on this machine. Give its path, or use --backend torch.")
                self._loaded[self.model_name] = OnnxRunner(path)
            self._runner = self._loaded[self.model_name]
        return self._runner

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts`` on ``threads`` threads, longest first, reporting progress every few chunks."""
        texts = list(texts)
        runner = self.runner
        result = np.zeros((len(texts), runner.dim), dtype=np.float32)
        chunks = list(length_sorted_batches(texts, CHUNK))
        done = 0
        with ThreadPoolExecutor(self.threads, thread_name_prefix="onnx") as pool:
            vectors = pool.map(lambda idx: runner.encode([texts[j] for j in idx]), chunks)
            for i, (idx, chunk) in enumerate(zip(chunks, vectors)):
                result[idx] = chunk
                done += len(idx)
                if progress and (i % 8 == 7 or done == len(texts)):
                    progress(done, len(texts))
        return result
