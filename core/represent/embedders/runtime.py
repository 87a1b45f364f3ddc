"""Which runtime embeds with a model on this machine: PyTorch (fp32, fp16 on CUDA), bf16 autocast, or int8 ONNX."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from core.errors import ParameterError
from core.represent.embedders.sentence_transformer import DEFAULT_ALIASES, pick_device

BACKENDS = ("auto", "torch", "bf16", "onnx")


def gpu_driver_present() -> bool:
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
    if device == "cuda" or device == "auto" and gpu_driver_present() and pick_device("auto") == "cuda":
        return "torch"
    if cpu_has_bf16():
        return "bf16"
    from core.represent.embedders.onnx_export import onnx_available

    return "onnx" if model.lower() in DEFAULT_ALIASES and onnx_available() else "torch"


def backend_notices(backend: str) -> list[str]:
    """What the analyst should know about running ``backend`` on this machine."""
    if backend == "bf16" and not cpu_has_bf16():
        return ["This CPU has no native bfloat16 arithmetic (AMX or AVX-512 BF16), so the bf16 backend "
                "runs slower than fp32 here; --backend auto picks the fastest this machine has."]
    return []
