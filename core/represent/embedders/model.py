"""The sentence-transformers model plug-in (``--embedder model``): any model by name or folder, on the
runtime this machine runs fastest (``runtime.pick_backend``): int8 ONNX, bf16 autocast or PyTorch."""

from __future__ import annotations

from core.errors import ModelError, ParameterError
from core.represent.embedders.base import Embedder, EmbedderPlugin, register
from core.represent.embedders.choice import EmbedderChoice
from core.represent.embedders.onnx import OnnxEmbedder
from core.represent.embedders.runtime import backend_notices, pick_backend
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder


def build(choice: EmbedderChoice) -> tuple[Embedder, list[str]]:
    """The model on the runtime ``choice.backend`` asks for (auto: the fastest here), with notices."""
    backend = pick_backend(choice.backend, choice.model, choice.device)
    if backend == "onnx":
        if choice.device == "cuda":
            raise ParameterError("The onnx backend runs on CPU; use --backend torch with --device cuda.")
        return OnnxEmbedder(choice.model), []
    precision = "bf16" if backend == "bf16" else "fp32"
    embedder = SentenceTransformerEmbedder(choice.model, device=choice.device, precision=precision)
    return embedder, backend_notices(backend)


def torch_fallback(failed: Embedder, error: Exception, choice: EmbedderChoice) -> tuple[Embedder, str] | None:
    """PyTorch when the ONNX runtime the machine chose (``backend`` auto) fails, else None."""
    if failed.backend != "onnx" or choice.backend != "auto":
        return None
    message = error.message if isinstance(error, ModelError) else str(error)
    return SentenceTransformerEmbedder(choice.model, device=choice.device), f"{message} Used the PyTorch model instead."


register(EmbedderPlugin("model", "Sentence-embedding model", build=build, fallback=torch_fallback))
