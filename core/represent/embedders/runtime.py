"""Which runtime embeds with a model on this machine: PyTorch (fp32, fp16 on CUDA), bf16 autocast, or int8 ONNX."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from core.errors import ParameterError
from core.represent.embedders.sentence_transformer import (
    DEFAULT_ALIASES,
    DEFAULT_MODEL,
    gpu_driver_present,
    model_short_name,
    pick_device,
)

BACKENDS = ("auto", "torch", "bf16", "onnx")


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AMX or AVX-512 BF16), read from ``/proc/cpuinfo``."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return bool(re.search(r"\b(amx_bf16|avx512_bf16)\b", cpuinfo))


def pick_backend(backend: str, model: str, device: str) -> str:
    """'torch', 'bf16' or 'onnx'. Auto: PyTorch fp16 on a GPU; int8 ONNX for the default model on every CPU
    (the fastest on AVX2-only, AVX-512 VNNI + BF16 and AMX CPUs alike, quality verified:
    docs/BENCHMARKS.md, embed_stage); for other models bf16 autocast where the CPU computes bfloat16
    natively, else fp32. :func:`backend_reason` says why, in one sentence."""
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be auto, torch, bf16 or onnx, not {backend!r}.")
    if backend != "auto":
        return backend
    if device == "cuda" or device == "auto" and gpu_driver_present() and pick_device("auto") == "cuda":
        return "torch"
    from core.represent.embedders.onnx_export import onnx_available

    if model.lower() in DEFAULT_ALIASES and onnx_available():
        return "onnx"
    return "bf16" if cpu_has_bf16() else "torch"


def backend_reason(backend: str, model: str) -> str:
    """Why ``auto`` runs ``model`` on ``backend`` (recorded in run.json and shown in the Data notice)."""
    if backend == "onnx":
        return ("int8 ONNX: the fastest runtime for the default model on every CPU kind measured (AVX2, AVX-512 "
                "VNNI + BF16, AMX), with cosine ≥ 0.98 to fp32 and KMeans labels kept at ARI ≥ 0.95")
    if backend == "bf16":
        return (f"bf16 autocast: this CPU computes bfloat16 natively and {model_short_name(model)} has no "
                "verified int8 ONNX export")
    if backend == "torch" and gpu_driver_present():
        return "PyTorch: fp16 on the CUDA GPU, fp32 on a CPU"
    return f"PyTorch fp32: {model_short_name(model)} has no verified int8 ONNX export and this CPU no native bfloat16"


def chosen_because(asked: str, backend: str, model: str) -> str:
    """Why ``model`` ran on ``backend`` when ``asked`` (the --backend given): run.json's ``backend_reason``."""
    return backend_reason(backend, model) if asked == "auto" else f"{backend}: asked for with --backend {backend}"


def default_runtime_line() -> str:
    """One sentence for the app's Data page: the runtime a default run embeds with here, and why."""
    backend = pick_backend("auto", DEFAULT_MODEL, "auto")
    return f"Texts are embedded on this machine with {backend_reason(backend, DEFAULT_MODEL)}."


def backend_notices(backend: str) -> list[str]:
    """What the analyst should know about running ``backend`` on this machine."""
    if backend == "bf16" and not cpu_has_bf16():
        return ["This CPU has no native bfloat16 arithmetic (AMX or AVX-512 BF16), so the bf16 backend "
                "runs slower than fp32 here; --backend auto picks the fastest this machine has."]
    return []
