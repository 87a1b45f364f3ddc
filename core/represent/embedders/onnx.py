"""The default model exported to ONNX with int8 weights (``onnx_export``), for CPUs without native bfloat16."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ModelError
from core.represent.embedders.base import Progress, length_sorted_batches
from core.represent.embedders.sentence_transformer import (
    DEFAULT_MODEL,
    model_short_name,
    resolve_model_path,
)

if TYPE_CHECKING:
    from core.represent.embedders.onnx_export import OnnxRunner


class OnnxEmbedder:
    """A mean-pooled sentence-transformers model as int8 ONNX on CPU, exported locally on first use."""

    name = "model"
    backend = "onnx"
    per_text = True
    _loaded: dict[str, OnnxRunner] = {}

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int | None = None) -> None:
        from core.represent.embedders.onnx_export import BATCH_SIZE, RECIPE

        self.model_name = model
        self.batch_size = batch_size or BATCH_SIZE
        self.model_id = f"onnx-{RECIPE}:{model_short_name(model)}"  # its vectors differ from fp32 ones
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
        """Embed ``texts`` in length-sorted batches, reporting progress every few batches."""
        texts = list(texts)
        runner = self.runner
        result = np.zeros((len(texts), runner.dim), dtype=np.float32)
        done = 0
        for i, idx in enumerate(length_sorted_batches(texts, self.batch_size)):
            result[idx] = runner.encode_batch([texts[j] for j in idx])
            done += len(idx)
            if progress and (i % 8 == 7 or done == len(texts)):
                progress(done, len(texts))
        return result
