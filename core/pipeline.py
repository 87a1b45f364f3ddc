"""The segmentation pipeline: roles → customers → embed → features → reduce → cluster → profile.

Each stage is a function of (its parent's result, its parameters). Embeddings are cached per
(model, text); reduction per (feature matrix, parameters, versions); clustering per
(reduction key, parameters). Changing only clustering parameters re-runs clustering and
profiling, nothing before them.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from core.cache import EmbeddingCache, StageCache, array_hash, stable_hash, text_hash
from core.cluster import ClusterParams, Clustering, cluster
from core.embed import DEFAULT_MODEL, OnnxEmbedder, choose_embedder, lexical_fallback, torch_fallback
from core.errors import ModelError, ParameterError
from core.features import Customers, build_features, prepare_customers
from core.io import LoadedTable
from core.profile import UNASSIGNED, profile_segments, quality, segment_names
from core.reduce import ReduceParams, SharedNeighbours, reduce
from core.roles import resolve_roles

STAGES = ("load", "embed", "features", "reduce", "map", "cluster", "profile")
DEFAULT_WEIGHTS = {"text": 1.0, "numeric": 0.5, "categorical": 0.5}
_VERSIONED = ("numpy", "scikit-learn", "umap-learn", "hdbscan", "sentence-transformers", "torch", "pandas")

#: progress(stage, fraction done in [0, 1], message)
Progress = Callable[[str, float, str], None]


def library_versions(names: tuple[str, ...] = _VERSIONED) -> dict[str, str]:
    """Python's version and the installed version of each package in ``names``."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass(frozen=True)
class SegmentParams:
    """Everything that decides a segmentation, besides the data."""

    id_col: str | None = None
    text_cols: tuple[str, ...] = ()
    user_col: str | None = None
    roles: tuple[tuple[str, str], ...] = ()  # overrides as (column, role) pairs
    text_aggregation: str = "join"
    embedder: str = "auto"
    model: str = DEFAULT_MODEL
    device: str = "auto"
    backend: str = "auto"  # auto | torch | onnx (int8 ONNX on CPU; auto = onnx for the default model on CPU)
    weights: tuple[tuple[str, float], ...] = tuple(DEFAULT_WEIGHTS.items())
    reduce: ReduceParams = ReduceParams(n_components=5, n_neighbors=15, min_dist=0.0)
    map: ReduceParams = ReduceParams(n_components=2, n_neighbors=15, min_dist=0.1)
    cluster: ClusterParams = ClusterParams()

    def with_seed(self, seed: int) -> "SegmentParams":
        return replace(self, reduce=replace(self.reduce, seed=seed), map=replace(self.map, seed=seed),
                       cluster=replace(self.cluster, seed=seed))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["roles"] = dict(self.roles)
        out["weights"] = dict(self.weights)
        out["text_cols"] = list(self.text_cols)
        return out

    def validate(self) -> "SegmentParams":
        if self.map.n_components not in (2, 3):
            raise ParameterError(f"The map has 2 or 3 dimensions, not {self.map.n_components}.")
        self.reduce.validate()
        self.map.validate()
        self.cluster.validate()
        return self


@dataclass
class StageRecord:
    seconds: float = 0.0
    cache_hit: bool = False


@dataclass
class SegmentationResult:
    """A finished segmentation: customers, their segments, the spaces and the profiles."""

    customers: Customers
    clustering: Clustering
    cluster_space: np.ndarray
    map_coords: np.ndarray
    profiles: list[dict]
    quality: dict
    run_info: dict
    notices: list[str] = field(default_factory=list)

    def segments_frame(self) -> pd.DataFrame:
        """One row per customer: id, segment_id, segment_name, membership, outlier, x, y (z)."""
        names = segment_names(self.profiles)
        labels = self.clustering.labels
        frame = pd.DataFrame({
            "id": self.customers.frame["id"].astype(str).to_numpy(),
            "segment_id": labels,
            "segment_name": [names.get(int(s), UNASSIGNED) for s in labels],
            "membership": np.round(self.clustering.membership.astype(float), 4),
            "outlier": labels < 0,
        })
        for i, axis in enumerate("xyz"[: self.map_coords.shape[1]]):
            frame[axis] = np.round(self.map_coords[:, i].astype(float), 4)
        return frame


class _Timer:
    def __init__(self, stages: dict[str, StageRecord], name: str) -> None:
        self.record = stages.setdefault(name, StageRecord())

    def __enter__(self) -> StageRecord:
        self.start = time.perf_counter()
        return self.record

    def __exit__(self, *exc: object) -> None:
        self.record.seconds = round(time.perf_counter() - self.start, 3)


def _text_vectors(customers: Customers, params: SegmentParams, workspace: Path, progress: Progress,
                  notices: list[str]) -> tuple[np.ndarray | None, dict]:
    texts = customers.row_texts if customers.row_texts is not None else customers.texts
    info = {"model": None, "texts": len(texts), "from_cache": 0, "embedded": 0}
    if not customers.columns["text"] or not any(texts):
        return None, info
    embedder, embed_notices = choose_embedder(texts, params.embedder, params.model, params.device,
                                              seed=params.reduce.seed, backend=params.backend)
    notices.extend(embed_notices)
    info["model"] = embedder.model_id

    def report(done: int, total: int) -> None:
        progress("embed", done / max(total, 1), f"Embedded {done:,} of {total:,} new texts with {embedder.model_id}")

    while embedder.per_text:  # on a model error under auto: onnx → PyTorch → lexical
        try:
            vectors, cached = EmbeddingCache(workspace).embed(embedder, texts, progress=report)
            break
        except ModelError as exc:
            if isinstance(embedder, OnnxEmbedder) and params.backend == "auto":
                embedder, notice = torch_fallback(exc, params.model, params.device)
            elif params.embedder == "auto":
                embedder, notice = lexical_fallback(exc, seed=params.reduce.seed)
            else:
                raise
            notices.append(notice)
            info["model"] = embedder.model_id
    if not embedder.per_text:
        stages = StageCache(workspace)
        key = stable_hash(embedder.model_id, text_hash("\x00".join(texts)))
        hit = stages.get("embed", key)
        if hit:
            vectors, cached = hit[0]["vectors"], len(texts)
        else:
            vectors, cached = embedder.encode(texts, progress=report), 0
            stages.put("embed", key, {"vectors": vectors}, {"model": embedder.model_id})
    info["from_cache"], info["embedded"] = int(cached), int(len(texts) - cached)
    if customers.row_owner is not None:  # average each customer's row embeddings
        sums = np.zeros((len(customers), vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, customers.row_owner, vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        vectors = (sums / np.where(norms == 0, 1, norms)).astype(np.float32)
    return vectors, info


def _cached_reduce(stages: StageCache, stage: str, matrix_key: str, neighbours: SharedNeighbours, rp: ReduceParams,
                   versions: dict, record: StageRecord, notices: list[str]) -> tuple[np.ndarray, str]:
    key = stable_hash(stage, matrix_key, rp.as_dict(), versions["umap-learn"], versions["numpy"])
    hit = stages.get(stage, key)
    if hit:
        record.cache_hit = True
        notices.extend(hit[1].get("notices", []))
        return hit[0]["coords"], key
    coords, new_notices = reduce(neighbours.matrix, rp, neighbours)
    notices.extend(new_notices)
    stages.put(stage, key, {"coords": coords}, {"params": rp.as_dict(), "notices": new_notices})
    return coords, key


def run_segmentation(
    table: LoadedTable, params: SegmentParams, workspace: str | Path, progress: Progress | None = None
) -> SegmentationResult:
    """Run the whole pipeline on a loaded table; every stage reads and fills the workspace cache."""
    params.validate()
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    progress = progress or (lambda stage, fraction, message: None)
    stages_rec: dict[str, StageRecord] = {}
    notices = list(table.notices)
    versions = library_versions()
    stages = StageCache(workspace)

    with _Timer(stages_rec, "load"):
        progress("load", 0.0, "Detecting column roles")
        roles = resolve_roles(table.frame, dict(params.roles), params.id_col, list(params.text_cols) or None,
                              params.user_col)
        customers = prepare_customers(table.frame, roles, params.text_aggregation)
        notices.extend(customers.notices)
        params.cluster.validate(len(customers))
        progress("load", 1.0, f"{len(customers):,} customers")

    with _Timer(stages_rec, "embed") as rec:
        progress("embed", 0.0, "Embedding texts")
        vectors, embed_info = _text_vectors(customers, params, workspace, progress, notices)
        rec.cache_hit = embed_info["embedded"] == 0 and embed_info["texts"] > 0

    with _Timer(stages_rec, "features"):
        features = build_features(customers, vectors, dict(params.weights))
        matrix_key = array_hash(features.matrix)
        neighbours = SharedNeighbours(features.matrix)  # one kNN graph for both UMAPs, built on first need

    with _Timer(stages_rec, "reduce") as rec:
        progress("reduce", 0.0, f"UMAP to {params.reduce.n_components} dimensions for clustering")
        space, reduce_key = _cached_reduce(stages, "reduce", matrix_key, neighbours, params.reduce, versions,
                                           rec, notices)
    with _Timer(stages_rec, "map") as rec:
        progress("map", 0.0, f"UMAP to {params.map.n_components}-D for the map")
        coords, _ = _cached_reduce(stages, "map", matrix_key, neighbours, params.map, versions, rec, notices)

    with _Timer(stages_rec, "cluster") as rec:
        progress("cluster", 0.0, f"Clustering with {params.cluster.algo}")
        cluster_key = stable_hash("cluster", reduce_key, params.cluster.as_dict(), versions["hdbscan"],
                                  versions["scikit-learn"])
        hit = stages.get("cluster", cluster_key)
        if hit:
            rec.cache_hit = True
            meta = hit[1]
            clustering = Clustering(hit[0]["labels"], hit[0]["membership"],
                                    {int(k): v for k, v in meta["k_scores"].items()}, meta["notices"])
        else:
            clustering = cluster(space, params.cluster)
            stages.put("cluster", cluster_key, {"labels": clustering.labels, "membership": clustering.membership},
                       {"k_scores": clustering.k_scores, "notices": clustering.notices})
        notices.extend(clustering.notices)

    with _Timer(stages_rec, "profile"):
        progress("profile", 0.0, "Profiling segments")
        profiles = profile_segments(customers, clustering.labels, space)
        figures = quality(space, clustering.labels, params.cluster.seed)
        if clustering.k_scores:
            figures["k_silhouette"] = clustering.k_scores
        progress("profile", 1.0, f"{figures['n_segments']} segments")

    run_info = {
        "input": {"name": table.name, "hash": table.content_hash, "rows": int(len(table.frame)),
                  "customers": int(len(customers)), "format": table.format, "encoding": table.encoding,
                  "delimiter": table.delimiter},
        "roles": roles,
        "parameters": params.as_dict(),
        "versions": versions,
        "embedding": embed_info,
        "stages": {name: asdict(rec) for name, rec in stages_rec.items()},
        "cache_keys": {"features": matrix_key, "reduce": reduce_key, "cluster": cluster_key},
        "quality": figures,
        "notices": list(dict.fromkeys(notices)),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return SegmentationResult(customers, clustering, space, coords, profiles, figures, run_info,
                              run_info["notices"])
