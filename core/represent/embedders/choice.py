"""What decides the text vectors, declared: :class:`EmbedderChoice` (``SegmentParams.embed``).

Its choices come from the registry of embedders and from the model runtime (devices, backends), so it
sits above both; the embedders' builders take it (:data:`core.represent.embedders.base.Build`).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.represent.embedders.base import embedder_names
from core.represent.embedders.runtime import BACKENDS
from core.represent.embedders.sentence_transformer import DEFAULT_MODEL, DEVICES
from core.schema import param


@dataclass(frozen=True)
class EmbedderChoice:
    """What decides the text vectors: the embedder's name, the model, where and how it runs, the seed."""

    embedder: str = param("auto", what="The embedder", label="Embedder", kind=str, choices=embedder_names,
                          help="auto: the model, or an embedder that reads the texts' language when it does not")
    model: str = param(DEFAULT_MODEL, what="The model", label="Model (sentence-transformers name or local folder)",
                       kind=str, help="the default ships with the app; nothing is downloaded")
    device: str = param("auto", what="The device", label="Device", kind=str, choices=DEVICES,
                        help="where the model runs: auto uses a CUDA GPU when there is one")
    backend: str = param("auto", what="The backend", label="Backend", kind=str, choices=BACKENDS,
                         help="model runtime: torch = PyTorch (fp32 on CPU, fp16 on CUDA); bf16 = PyTorch with "
                              "bfloat16 autocast on CPU (auto's choice for other models on CPUs with native bfloat16); "
                              "onnx = int8 ONNX on CPU (auto's choice for the default model on every CPU)")
    seed: int = 0
