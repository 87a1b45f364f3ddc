"""The fast CPU backend: a sentence-transformers model exported to ONNX with dynamic int8 weights.

The model is exported locally from the weights already on this machine (nothing is downloaded),
once per (model files, library versions, recipe), into a cache folder written atomically:
``$SEGMENT_STUDIO_CACHE`` or ``~/.cache/segment-studio``, under ``onnx/<key>/``. Vectors are
mean-pooled and L2-normalised, exactly as sentence-transformers does, each text run on its own.
The export fuses the encoder for ONNX Runtime (``onnxruntime.transformers.optimizer``: one Attention
op per layer, BiasGelu, EmbedLayerNormalization; the attention is exported in its eager form, which
the fusion recognises; the residual Add + LayerNormalization stay unfused, see ``SLOW_FUSIONS``), then
quantises the MatMul and Attention weights to int8 per output channel (QAttention,
DynamicQuantizeMatMul): the fastest recipe measured on an AVX2 CPU without VNNI or bfloat16
(bench/embed_stage_bench.py, docs/BENCHMARKS.md). Quantising the embedding table as well, or per
tensor, costs the reviews' cosine similarity to fp32 from 0.99 to 0.95.
Texts are tokenised with the model's own ``tokenizer.json`` (the ``tokenizers`` library), so running
the export needs neither torch nor transformers.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ModelError
from core.storage.atomic import atomic_folder

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

RECIPE = "int8-fused-bert-layernorm-unfused-per-channel-single-v3"
#: fusions left out: ONNX Runtime's fused SkipLayerNormalization took 3.4× the time of Add + LayerNormalization
#: on an AVX2 CPU (a per-op profile, docs/BENCHMARKS.md section 1b), 9% of the whole forward pass
SLOW_FUSIONS = ["SkipLayerNormFusion"]
_EXPORT_VERSIONS = ("torch", "transformers", "onnx", "onnxruntime")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "config.json", "tokenizer.json")


def cache_root() -> Path:
    """Folder for exported models: ``$SEGMENT_STUDIO_CACHE`` or ``~/.cache/segment-studio``."""
    return Path(os.environ.get("SEGMENT_STUDIO_CACHE") or Path.home() / ".cache" / "segment-studio")


def onnx_available() -> bool:
    """Whether this environment can export and run the int8 model (onnx and onnxruntime installed)."""
    try:
        metadata.version("onnx")
        metadata.version("onnxruntime")
    except metadata.PackageNotFoundError:
        return False
    return True


def _versions() -> dict[str, str]:
    from core.versions import library_versions

    return library_versions(_EXPORT_VERSIONS)


def export_key(model_dir: Path) -> str:
    """Key of an export: the model's weight files (name, size, mtime), the exporting libraries, the recipe."""
    files = [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(model_dir.iterdir())
             if f.name in _WEIGHT_FILES]
    payload = json.dumps([str(model_dir.resolve()), files, _versions(), RECIPE])
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def check_mean_pooled(model_dir: Path) -> int:
    """The model's max sequence length, after checking it is Transformer → mean Pooling (→ Normalize)."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((model_dir / pooling_dir / "config.json").read_text(encoding="utf-8"))
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, StopIteration):
        kinds, pooling, config = [], {}, {}
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if (kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"}
            or modes != {"pooling_mode_mean_tokens"}):
        raise ModelError(
            f"The onnx backend reads mean-pooled sentence-transformers models; {model_dir.name} is not one. "
            "Use --backend torch."
        )
    return int(config.get("max_seq_length") or 256)


def _export(model_dir: Path, folder: Path) -> None:
    """Export ``model_dir`` to ``folder/model.onnx``: fp32 graph → fused for ONNX Runtime → int8 weights."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        names.append("token_type_ids")

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, inputs))).last_hidden_state

    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    fp32, fused = folder / "fp32.onnx", folder / "fused.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(LastHidden(), example, str(fp32), input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    logging.disable(logging.WARNING)  # the optimizer and quantize_dynamic log advice on the root logger
    try:
        fusions = FusionOptions("bert")
        fusions.enable_skip_layer_norm = fusions.enable_bias_skip_layer_norm = False  # see SLOW_FUSIONS
        optimize_model(str(fp32), model_type="bert", num_heads=int(model.config.num_attention_heads),
                       hidden_size=int(model.config.hidden_size), opt_level=1,
                       optimization_options=fusions).save_model_to_file(str(fused))
        quantize_dynamic(str(fused), str(folder / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        logging.disable(logging.NOTSET)
    fp32.unlink()
    fused.unlink()
    (folder / "meta.json").write_text(json.dumps({"model": str(model_dir), "recipe": RECIPE, "versions": _versions()}))


def exported_model(model_dir: Path) -> Path:
    """Path of the int8 ONNX export of ``model_dir``, exporting it first if this cache lacks it."""
    folder = cache_root() / "onnx" / export_key(model_dir)
    target = folder / "model.onnx"
    if target.exists():
        return target

    def fill(tmp: Path) -> None:
        tmp.chmod(0o755)
        _export(model_dir, tmp)

    try:
        atomic_folder(folder, fill)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(
            f"The model could not be exported for the onnx backend ({type(exc).__name__}: {exc}). "
            "Use --backend torch."
        ) from None
    return target


def session(path: Path, profile_prefix: str | None = None) -> InferenceSession:
    """An ONNX Runtime CPU session of the export at ``path`` that runs on the calling thread alone;
    with ``profile_prefix`` it records each op's time (``end_profiling`` writes them)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if profile_prefix:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"],
                                disabled_optimizers=SLOW_FUSIONS)


class OnnxRunner:
    """A tokenizer and an ONNX Runtime session for one exported model; ``encode`` gives normalised vectors.

    The session runs each text alone on the calling thread (one intra-op thread): no pad tokens, a text's
    vector never depends on the texts beside it (dynamic int8 scales activations per run), and callers get
    their parallelism from threads over texts, which measured faster on 2 cores than batches split across
    threads (docs/BENCHMARKS.md, section 1b). ``session.run`` releases the GIL.
    """

    def __init__(self, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        self.max_length = check_mean_pooled(model_dir)
        if not (model_dir / "tokenizer.json").exists():
            raise ModelError(f"The onnx backend reads the model's tokenizer.json; {model_dir.name} has none. "
                             "Use --backend torch.")
        self.session = session(exported_model(model_dir))
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised float32 vectors of ``texts``, each text run on its own."""
        result = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch_fast(list(texts))):
            ids = np.array([encoding.ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            pooled = self.session.run(None, {name: feed[name] for name in self.inputs})[0][0].mean(axis=0)
            result[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return result
