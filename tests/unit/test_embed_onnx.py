"""The int8 ONNX backend's plumbing: backend choice, cache identity, export folder, pooling check.

Its vectors' quality against fp32 is checked on real reviews in tests/pipeline/test_onnx_quality.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import core.represent.embedders.onnx_export as embed_onnx
import core.represent.embedders.runtime as runtime
from core.errors import ModelError, ParameterError
from core.represent.embedders import EmbedderChoice
from core.represent.embedders.model import torch_fallback
from core.represent.embedders.onnx import OnnxEmbedder
from core.represent.embedders.runtime import backend_reason, pick_backend
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder
from core.represent.text import choose_embedder


@pytest.fixture
def no_bf16(monkeypatch):
    """A CPU without native bfloat16, whatever this one has."""
    monkeypatch.setattr(runtime, "cpu_has_bf16", lambda: False)


def test_auto_backend_is_onnx_for_the_default_model_on_cpu_and_torch_otherwise(no_bf16):
    assert pick_backend("auto", "all-MiniLM-L6-v2", "cpu") == "onnx"
    assert pick_backend("auto", "some/other-model", "cpu") == "torch"
    assert pick_backend("auto", "all-MiniLM-L6-v2", "cuda") == "torch"
    assert pick_backend("torch", "all-MiniLM-L6-v2", "cpu") == "torch"
    assert pick_backend("onnx", "some/other-model", "cpu") == "onnx"


def test_auto_backend_falls_back_to_torch_without_onnx(monkeypatch, no_bf16):
    monkeypatch.setattr(embed_onnx, "onnx_available", lambda: False)
    assert pick_backend("auto", "all-MiniLM-L6-v2", "cpu") == "torch"


def test_bad_backend_is_refused():
    with pytest.raises(ParameterError, match="backend"):
        pick_backend("tensorrt", "all-MiniLM-L6-v2", "cpu")


def test_onnx_on_cuda_is_refused():
    with pytest.raises(ParameterError, match="CPU"):
        choose_embedder(["a dress"], EmbedderChoice(backend="onnx", device="cuda"))


def test_auto_backend_is_onnx_for_the_default_model_and_bf16_for_others_on_cpus_with_native_bf16(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_has_bf16", lambda: True)
    assert pick_backend("auto", "all-MiniLM-L6-v2", "cpu") == "onnx"  # int8 ONNX was faster on every CPU kind
    assert pick_backend("auto", "some/other-model", "cpu") == "bf16"  # no verified export: bf16 autocast
    assert pick_backend("auto", "all-MiniLM-L6-v2", "cuda") == "torch"
    assert "no verified int8 ONNX export" in backend_reason("bf16", "some/other-model")
    embedder, notices = choose_embedder(["a dress"], EmbedderChoice(backend="bf16", device="cpu"))
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.precision == "bf16" and not notices
    assert embedder.model_id == "st-bf16:all-MiniLM-L6-v2" != SentenceTransformerEmbedder(device="cpu").model_id
    with pytest.raises(ParameterError, match="CPU"):
        choose_embedder(["a dress"], EmbedderChoice(backend="bf16", device="cuda"))


def test_bf16_asked_for_on_a_cpu_without_it_says_it_will_be_slow(no_bf16):
    embedder, notices = choose_embedder(["a dress"], EmbedderChoice(backend="bf16", device="cpu"))
    assert embedder.precision == "bf16" and "no native bfloat16" in notices[0]


def test_backends_have_different_cache_identities(no_bf16):
    embedder, notices = choose_embedder(["a dress"], EmbedderChoice(device="cpu"))
    assert isinstance(embedder, OnnxEmbedder) and not notices
    assert embedder.model_id != SentenceTransformerEmbedder(device="cpu").model_id
    assert "int8" in embedder.model_id and embedder.per_text


def test_torch_fallback_says_what_happened():
    embedder, notice = torch_fallback(OnnxEmbedder(), ModelError("Export failed."), EmbedderChoice(device="cpu"))
    assert isinstance(embedder, SentenceTransformerEmbedder) and notice.startswith("Export failed.")
    assert torch_fallback(OnnxEmbedder(), ModelError("Export failed."), EmbedderChoice(backend="onnx")) is None


def _model_folder(tmp_path, pooling: dict):
    (tmp_path / "1_Pooling").mkdir(parents=True)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (tmp_path / "modules.json").write_text(json.dumps([
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]))
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128}))
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    return tmp_path


def test_only_mean_pooled_models_are_exported(tmp_path):
    mean = _model_folder(tmp_path / "mean", {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False})
    assert embed_onnx.check_mean_pooled(mean) == 128
    cls = _model_folder(tmp_path / "cls", {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    with pytest.raises(ModelError, match="mean-pooled"):
        embed_onnx.check_mean_pooled(cls)


def test_export_is_cached_per_model_files_and_atomic(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMENT_STUDIO_CACHE", str(tmp_path / "cache"))
    model = _model_folder(tmp_path / "model", {"pooling_mode_mean_tokens": True})
    calls = []

    def fake_export(model_dir, folder):
        calls.append(folder)
        (folder / "model.onnx").write_bytes(b"onnx")

    monkeypatch.setattr(embed_onnx, "_export", fake_export)
    first = embed_onnx.exported_model(model)
    assert embed_onnx.exported_model(model) == first and len(calls) == 1  # exported once
    assert calls[0] != first.parent  # written elsewhere, then renamed into place
    (model / "model.safetensors").write_bytes(b"other weights")
    assert embed_onnx.exported_model(model) != first and len(calls) == 2  # new weights, new export


def test_failed_export_leaves_nothing_and_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMENT_STUDIO_CACHE", str(tmp_path / "cache"))
    model = _model_folder(tmp_path / "model", {"pooling_mode_mean_tokens": True})

    def broken_export(model_dir, folder):
        (folder / "fp32.onnx").write_bytes(b"half")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(embed_onnx, "_export", broken_export)
    with pytest.raises(ModelError, match="--backend torch"):
        embed_onnx.exported_model(model)
    assert not any((tmp_path / "cache" / "onnx").iterdir())


def test_encode_sorts_by_length_and_restores_order(monkeypatch):
    import core.represent.embedders.onnx as onnx_embedder

    class Runner:
        dim = 2
        chunks: list[list[str]] = []

        def encode(self, texts):
            self.chunks.append(list(texts))
            return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    monkeypatch.setattr(onnx_embedder, "CHUNK", 2)
    embedder = OnnxEmbedder(threads=2)
    embedder._runner = Runner()
    texts = ["bb", "a", "dddd", "ccc", ""]
    reported = []
    vectors = embedder.encode(texts, progress=lambda done, total: reported.append((done, total)))
    assert vectors[:, 0].tolist() == [2, 1, 4, 3, 0] and vectors.dtype == np.float32
    assert sorted(Runner.chunks) == [[""], ["bb", "a"], ["dddd", "ccc"]]  # longest first, whichever thread ran it
    assert reported == [(5, 5)]


def test_threads_follow_omp_num_threads_else_the_cores_this_process_may_use(monkeypatch):
    from core.represent.embedders.base import cpu_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert cpu_threads() == 3 and OnnxEmbedder().threads == 3 and OnnxEmbedder(threads=1).threads == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert cpu_threads() >= 1


def test_pipeline_falls_back_to_pytorch_when_the_onnx_backend_fails(planted_csv, workspace, monkeypatch, no_bf16):
    from dataclasses import replace

    from core.ingest.io import load_table
    from core.parameters import SegmentParams
    from core.pipeline import run_segmentation
    from core.represent.embedders import EMBEDDERS
    from core.testing.fake_embedder import FakeEmbedder

    def broken(self, texts, progress=None):
        raise ModelError("The model could not be exported for the onnx backend.")

    monkeypatch.setattr(OnnxEmbedder, "encode", broken)
    fell_back = replace(EMBEDDERS["model"], fallback=lambda failed, error, choice: (FakeEmbedder(), "fell back")
                        if choice.backend == "auto" else None)
    monkeypatch.setitem(EMBEDDERS, "model", fell_back)
    result = run_segmentation(load_table(planted_csv), SegmentParams(device="cpu", embedder="model"), workspace)
    assert result.run_info["embedding"]["model"] == "fake:32" and "fell back" in result.notices
    with pytest.raises(ModelError, match="exported"):
        run_segmentation(load_table(planted_csv), SegmentParams(device="cpu", backend="onnx", embedder="model"),
                         workspace / "other")


def test_numba_disk_cache_is_switched_on_for_umap():
    import umap.layouts
    from numba.core.caching import NullCache

    from core.segment.numba_cache import enable_numba_cache

    enable_numba_cache()
    assert not isinstance(umap.layouts.clip._cache, NullCache)
    assert enable_numba_cache() == 0  # idempotent
