"""The segmentation pipeline: roles → customers → embed → features → reduce → cluster → profile → recommend.

Each stage is a function of (its parent's result, its parameters). Embeddings are cached per
(model, text); reduction per (feature matrix, parameters, versions); clustering per
(reduction key, parameters); profiles and quality per (clustering key, table, roles). Changing
only clustering parameters re-runs clustering and profiling, nothing before them; changing only the
map re-runs the map. With interactions, a behaviour block joins the features and the
recommend stage (cached per (clustering, interactions, parameters)) adds recommendations and
their evaluation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

from core.errors import CoreError, InputError, ParameterError
from core.explain.levels import levels_stage
from core.explain.profile import (
    UNASSIGNED,
    Profile,
    attach_items,
    attach_segment_quality,
    cached_term_presence,
    profile_segments,
    segment_names,
)
from core.ingest.io import LoadedTable
from core.ingest.roles import DETECTION_FORMAT, detect_roles
from core.parameters import SegmentParams
from core.progress import Progress
from core.recommend.lists import Recommendations, RecommendParams
from core.recommend.stage import recommend_stage
from core.represent.behaviour import (
    InteractionInputs,
    Interactions,
    Matched,
    behaviour_stage,
)
from core.represent.embedders.base import Embedder
from core.represent.features import (
    Customers,
    FeatureMatrix,
    build_features,
    prepare_customers,
)
from core.represent.text import cached_window_notices, text_vectors
from core.segment.cluster import Clustering, ClusterParams, cluster
from core.segment.geometry import runner_up_margin, segment_centres
from core.segment.quality import segmentation_quality, stability
from core.segment.reduce import ReduceParams, SharedNeighbours, fits_whole, reduce
from core.segment.umap_setup import VERSION as UMAP_SETUP
from core.storage.hashing import array_hash, stable_hash
from core.storage.stage_cache import StageCache, StageResult
from core.versions import library_versions

STAGES = ("load", "embed", "behaviour", "features", "reduce", "cluster", "map", "profile", "recommend", "levels")


_PROFILE_FORMAT = 1  # bump when profiles or quality figures change (cached per clustering, table and roles)


class RunInfo(TypedDict):
    """What ``run.json`` records about a run (the CLI adds ``command`` and ``output``; saved runs ``run_id``)."""

    input: dict[str, Any]  # name, hash, rows, customers, format, encoding, delimiter
    roles: dict[str, str]  # column → role
    parameters: dict[str, Any]  # SegmentParams.as_dict()
    versions: dict[str, str]  # Python and the libraries that decide the result
    embedding: dict[str, Any]  # model (cache identity), embedder, backend, texts, from_cache, embedded
    stages: dict[str, dict[str, Any]]  # seconds and cache_hit per stage, in pipeline order
    cache_keys: dict[str, str]
    quality: dict[str, Any]  # see core.segment.quality
    notices: list[str]
    created: str
    interactions: NotRequired[dict[str, Any]]  # with interactions: columns, matched events, behaviour features
    recommend: NotRequired[dict[str, Any]]  # with recommendations: parameters and evaluation
    levels: NotRequired[dict[str, Any]]  # with two levels: parents, segments, parents that stayed whole


@dataclass
class StageRecord:
    seconds: float = 0.0
    cache_hit: bool = False
    beside: str = ""  # the stage it ran beside, in another thread (its seconds overlap that stage's)

    def as_dict(self) -> dict[str, Any]:
        """run.json's record of the stage (``beside`` only when it ran beside another)."""
        return {k: v for k, v in asdict(self).items() if k != "beside" or v}


@dataclass
class SegmentationResult:
    """A finished segmentation: customers, their segments, the spaces and the profiles."""

    customers: Customers
    clustering: Clustering
    cluster_space: np.ndarray
    map_coords: np.ndarray
    profiles: list[Profile]
    quality: dict[str, Any]
    run_info: RunInfo
    notices: list[str] = field(default_factory=list)
    recommendations: Recommendations | None = None
    features: FeatureMatrix | None = None  # the matrix clustered on, with its fitted spec (for assign)
    parents: list[Profile] | None = None  # with two levels: the parents' profiles (``clustering`` is the fine one)
    parent_labels: np.ndarray | None = None  # with two levels: each customer's parent

    def segments_frame(self) -> pd.DataFrame:
        """One row per customer: id, segment_id, segment_name, membership, outlier, x, y (z), and with the feature
        matrix at hand runner_up and margin (see :func:`core.segment.geometry.runner_up_margin`)."""
        names = segment_names(self.profiles)
        labels = self.clustering.labels
        frame = pd.DataFrame({
            "id": self.customers.frame["id"].astype(str).to_numpy(),
            "segment_id": labels,
            "segment_name": [names.get(int(s), UNASSIGNED) for s in labels],
            "membership": np.round(self.clustering.membership.astype(float), 4),
            "outlier": labels < 0,
        })
        if self.parents is not None and self.parent_labels is not None:
            parent_names = segment_names(self.parents)
            frame.insert(3, "parent_id", self.parent_labels)
            frame.insert(4, "parent_name", [parent_names.get(int(s), UNASSIGNED) for s in self.parent_labels])
        for i, axis in enumerate("xyz"[: self.map_coords.shape[1]]):
            frame[axis] = np.round(self.map_coords[:, i].astype(float), 4)
        if self.features is not None:
            runner_up, margin = runner_up_margin(self.features.matrix, labels,
                                                 *segment_centres(self.features.matrix, labels))
            frame["runner_up"], frame["margin"] = runner_up, np.round(margin, 4)
        return frame


class _Timer:
    def __init__(self, stages: dict[str, StageRecord], name: str) -> None:
        self.record = stages.setdefault(name, StageRecord())

    def __enter__(self) -> StageRecord:
        self.start = time.perf_counter()
        return self.record

    def __exit__(self, *exc: object) -> None:
        self.record.seconds = round(time.perf_counter() - self.start, 3)


def _cached_detected_roles(stages: StageCache, table: LoadedTable) -> dict[str, str] | None:
    """The detected role of every column, kept per table content (None for a table without a content hash)."""
    if not table.content_hash:
        return None
    key = stable_hash("roles", DETECTION_FORMAT, table.content_hash, [str(c) for c in table.frame.columns])
    found, _ = stages.json_result("roles", key, lambda: {"roles": {i.name: i.role for i in detect_roles(table.frame)}})
    return found["roles"]


def _text_customers(table: LoadedTable, params: SegmentParams, workspace: Path) -> Customers | None:
    """The customers a segmentation of ``table`` with ``params`` describes, when it has texts to embed."""
    try:
        roles = params.column_roles(table.frame, [], detected=_cached_detected_roles(StageCache(workspace), table))
        customers = prepare_customers(table.frame, roles, params.text_aggregation)
    except CoreError:
        return None  # the run itself says why
    return customers if customers.columns["text"] and any(_embedded_texts(customers)) else None


def _embedded_texts(customers: Customers) -> list[str]:
    return list(customers.row_texts if customers.row_texts is not None else customers.texts)


def texts_to_embed(table: LoadedTable, params: SegmentParams, workspace: Path) -> list[str]:
    """The texts a segmentation of ``table`` with ``params`` embeds (none when the table cannot be segmented:
    the run itself says why)."""
    customers = _text_customers(table, params, workspace)
    return _embedded_texts(customers) if customers is not None else []


@dataclass(frozen=True)
class TextsAhead:
    """What a run of a table does with its texts before the labels exist, to do ahead of the run: ``texts`` to
    embed, and ``rest(embedder)``, which fills the stage cache with the rest (each customer's terms, which the
    profiles read, and, for a sentence model, the texts past its window) as the run's stages key them."""

    texts: list[str]
    rest: Callable[[Embedder], None]


def texts_ahead(table: LoadedTable, params: SegmentParams, workspace: Path) -> TextsAhead | None:
    """The texts a segmentation of ``table`` with ``params`` embeds and its other work on them (None: no texts)."""
    customers = _text_customers(table, params, workspace)
    if customers is None:
        return None
    texts, model = _embedded_texts(customers), params.embedder_choice().model

    def rest(embedder: Embedder) -> None:
        stages = StageCache(workspace)
        cached_term_presence(stages, list(customers.texts))
        if embedder.name == "model":
            cached_window_notices(stages, texts, model)

    return TextsAhead(texts, rest)


def _cached_reduce(stages: StageCache, stage: str, matrix_key: str, neighbours: SharedNeighbours, rp: ReduceParams,
                   versions: dict, record: StageRecord, notices: list[str]) -> tuple[np.ndarray, str]:
    """One UMAP (the clustering space or the map), kept per (features, parameters, versions)."""

    def compute() -> StageResult:
        coords, new_notices = reduce(neighbours.matrix, rp, neighbours)
        return {"coords": coords}, {"params": rp.as_dict(), "notices": new_notices}

    key = stable_hash(stage, matrix_key, rp.as_dict(), versions["umap-learn"], versions["numpy"],
                      versions["umap-setup"])
    arrays, meta, record.cache_hit = stages.cached(stage, key, compute)
    notices.extend(meta["notices"])
    return arrays["coords"], key


def _cached_cluster(stages: StageCache, key: str, space: np.ndarray, params: ClusterParams,
                    record: StageRecord) -> Clustering:
    """The clustering of the reduced space, kept per (reduction, parameters, versions)."""

    def compute() -> StageResult:
        found = cluster(space, params)
        return ({"labels": found.labels, "membership": found.membership},
                {"k_scores": found.k_scores, "notices": found.notices})

    arrays, meta, record.cache_hit = stages.cached("cluster", key, compute)
    return Clustering(arrays["labels"], arrays["membership"], {int(k): v for k, v in meta["k_scores"].items()},
                      meta["notices"])


class _MapJob:
    """The map's UMAP in a thread of its own, started as soon as the features exist, so that it runs beside the
    clustering space's UMAP and the clustering (UMAPs that transform no rows can: :mod:`core.segment.umap_setup`).
    It reports no progress (only the run's own thread may) and keeps its notices for the map stage to add."""

    def __init__(self, stages: StageCache, matrix_key: str, neighbours: SharedNeighbours, params: ReduceParams,
                 versions: dict) -> None:
        self.record = StageRecord(beside="reduce")
        self.notices: list[str] = []

        def compute() -> np.ndarray:
            started = time.perf_counter()
            try:
                return _cached_reduce(stages, "map", matrix_key, neighbours, params, versions, self.record,
                                      self.notices)[0]
            finally:
                self.record.seconds = round(time.perf_counter() - started, 3)

        pool = ThreadPoolExecutor(1, thread_name_prefix="segment-studio-map")
        self._future = pool.submit(compute)
        pool.shutdown(wait=False)  # the thread ends with its one task

    def result(self) -> np.ndarray:
        """The map's coordinates (waits for the thread; its error is raised here)."""
        return self._future.result()


@dataclass
class _Clustered:
    """What the stages up to clustering made, for the map, profile and recommend stages to use."""

    customers: Customers
    roles: dict[str, str]
    notices: list[str]
    stages: dict[str, StageRecord]
    versions: dict[str, str]
    embed_info: dict
    features: FeatureMatrix
    matrix_key: str
    neighbours: SharedNeighbours
    space: np.ndarray
    reduce_key: str
    clustering: Clustering
    cluster_key: str
    interactions: Interactions | None = None
    matched: Matched | None = None
    behaviour_info: dict | None = None
    map_job: _MapJob | None = None


def _profiles_and_quality(customers: Customers, clustering: Clustering, space: np.ndarray, params: SegmentParams,
                          stages: StageCache, progress: Progress) -> tuple[list[Profile], dict[str, Any]]:
    """Each segment's profile, and the segmentation's quality and stability figures (attached to the profiles)."""
    started = time.perf_counter()
    presence = cached_term_presence(stages, customers.texts) if any(customers.texts) else None
    profiles = profile_segments(customers, clustering.labels, space, presence=presence)
    profiled = time.perf_counter()
    progress("profile", 0.5, "Measuring quality and stability")
    figures = segmentation_quality(space, clustering.labels, params.cluster.seed)
    if clustering.k_scores:
        figures["k_silhouette"] = clustering.k_scores
    measured = time.perf_counter()
    figures["stability"] = stability(space, clustering.labels, params.cluster, params.stability_runs,
                                     params.cluster.seed)
    figures["seconds"] = {"profiles": round(profiled - started, 3), "quality": round(measured - profiled, 3),
                          "stability": round(time.perf_counter() - measured, 3)}
    attach_segment_quality(profiles, figures)
    return profiles, figures


def _cluster_customers(table: LoadedTable, params: SegmentParams, workspace: Path, progress: Progress,
                       interactions: InteractionInputs | Interactions | None, with_map: bool = False) -> _Clustered:
    """The stages up to the segments: roles, customers, embeddings, behaviour, features, reduction, clustering;
    ``with_map``: the map's UMAP starts beside the reduction when both fit every row (:class:`_MapJob`)."""
    stages_rec: dict[str, StageRecord] = {}
    notices = list(table.notices)
    versions = {**library_versions(), "umap-setup": UMAP_SETUP}
    stages = StageCache(workspace)

    with _Timer(stages_rec, "load"):
        progress("load", 0.0, "Detecting column roles")
        if len(table.frame) > params.max_rows:
            raise InputError(f"{table.name} has {len(table.frame):,} rows, over the limit of {params.max_rows:,}; "
                             "keep fewer rows or raise the limit.")
        roles = params.column_roles(table.frame, notices, detected=_cached_detected_roles(stages, table))
        customers = prepare_customers(table.frame, roles, params.text_aggregation,
                                      has_behaviour=interactions is not None)
        notices.extend(customers.notices)
        if len(customers) < 2:
            raise InputError(f"{table.name} describes only {len(customers)} customer after cleaning; "
                             "segmenting needs at least 2 different customers.")
        params.cluster.validate(len(customers))
        progress("load", 1.0, f"{len(customers):,} customers")

    with _Timer(stages_rec, "embed") as rec:
        progress("embed", 0.0, "Embedding texts")
        vectors, embed_info = text_vectors(customers, params.embedder_choice(), workspace, progress, notices)
        rec.cache_hit = embed_info["embedded"] == 0 and embed_info["texts"] > 0

    behaviour, behaviour_info, matched = None, None, None
    if interactions is not None:
        with _Timer(stages_rec, "behaviour"):
            progress("behaviour", 0.0, "Behaviour features from the interactions")
            interactions, matched, behaviour, behaviour_info = behaviour_stage(interactions, customers, roles,
                                                                          params.reduce.seed, notices)

    with _Timer(stages_rec, "features"):
        features = build_features(customers, vectors, dict(params.weights),
                                  extra_blocks={"behaviour": behaviour} if behaviour is not None else None)
        matrix_key = array_hash(features.matrix)
        neighbours = SharedNeighbours(features.matrix)  # one kNN graph for both UMAPs, built on first need
    map_job = None
    if with_map and fits_whole(len(features.matrix), params.reduce) and fits_whole(len(features.matrix), params.map):
        map_job = _MapJob(stages, matrix_key, neighbours, params.map, versions)

    with _Timer(stages_rec, "reduce") as rec:
        progress("reduce", 0.0, f"UMAP to {params.reduce.n_components} dimensions for clustering")
        space, reduce_key = _cached_reduce(stages, "reduce", matrix_key, neighbours, params.reduce, versions,
                                           rec, notices)

    with _Timer(stages_rec, "cluster") as rec:
        progress("cluster", 0.0, f"Clustering with {params.cluster.algo}")
        cluster_key = stable_hash("cluster", reduce_key, params.cluster.as_dict(), versions["hdbscan"],
                                  versions["scikit-learn"])
        clustering = _cached_cluster(stages, cluster_key, space, params.cluster, rec)
        notices.extend(clustering.notices)
    return _Clustered(customers, roles, notices, stages_rec, versions, embed_info, features, matrix_key, neighbours,
                      space, reduce_key, clustering, cluster_key,
                      interactions if isinstance(interactions, Interactions) else None, matched, behaviour_info,
                      map_job)


def segment_labels(table: LoadedTable, params: SegmentParams, workspace: str | Path, progress: Progress | None = None,
                   interactions: InteractionInputs | Interactions | None = None) -> np.ndarray:
    """Only the segment of each customer: the pipeline up to clustering, without map, profiles or quality."""
    params.validate()
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    return _cluster_customers(table, params, workspace, progress or (lambda *_: None), interactions).clustering.labels


def run_segmentation(
    table: LoadedTable, params: SegmentParams, workspace: str | Path, progress: Progress | None = None,
    interactions: InteractionInputs | Interactions | None = None, recommend: RecommendParams | None = None,
) -> SegmentationResult:
    """Run the whole pipeline on a loaded table; every stage reads and fills the workspace cache.

    With ``interactions`` a behaviour block (weight ``behaviour``) joins the features; with
    ``recommend`` too, the result carries recommendations and their evaluation.
    """
    params.validate()
    if recommend is not None:
        recommend.validate()
        if params.levels.levels > 1:
            raise ParameterError("Segments within segments do not combine with recommendations yet; "
                                 "run with one level, or without interactions.")
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    progress = progress or (lambda stage, fraction, message: None)
    done = _cluster_customers(table, params, workspace, progress, interactions, with_map=True)
    customers, clustering, space, notices = done.customers, done.clustering, done.space, done.notices
    stages_rec, stages = done.stages, StageCache(workspace)

    progress("map", 0.0, f"UMAP to {params.map.n_components}-D for the map")
    if done.map_job is not None:
        coords = done.map_job.result()
        stages_rec["map"] = done.map_job.record
        notices.extend(done.map_job.notices)
    else:
        with _Timer(stages_rec, "map") as rec:
            coords, _ = _cached_reduce(stages, "map", done.matrix_key, done.neighbours, params.map,
                                       done.versions, rec, notices)

    with _Timer(stages_rec, "profile") as rec:
        progress("profile", 0.0, "Profiling segments")
        profile_key = stable_hash("profile", _PROFILE_FORMAT, done.cluster_key, table.content_hash, done.roles,
                                  params.stability_runs, done.versions["scipy"], done.versions["numpy"])
        found, rec.cache_hit = stages.json_result("profile", profile_key, lambda: dict(zip(
            ("profiles", "quality"), _profiles_and_quality(customers, clustering, space, params, stages, progress))))
        profiles, figures = found["profiles"], found["quality"]
        progress("profile", 1.0, f"{figures['n_segments']} segments")

    recommendations, recommend_key, recommend_info = None, None, None
    if done.interactions is not None and done.matched is not None and recommend is not None:
        with _Timer(stages_rec, "recommend") as rec:
            def refit(train: Interactions, refit_progress: Progress) -> np.ndarray:
                return segment_labels(table, params, workspace, refit_progress, interactions=train)

            recommendations, recommend_key, rec.cache_hit = recommend_stage(
                refit, workspace, clustering.labels, customers, done.interactions, done.matched, recommend,
                "behaviour" in done.features.blocks, done.cluster_key, progress)
        attach_items(profiles, recommendations.segment_lists)
        recommend_info = {"parameters": recommend.as_dict(), "evaluation": recommendations.evaluation}

    parents, parent_labels, levels_key, levels_info = None, None, None, None
    if params.levels.levels > 1:
        with _Timer(stages_rec, "levels") as rec:
            progress("levels", 0.0, "Segments inside each segment")
            parent_labels = clustering.labels
            clustering, profiles, parents, levels_info, levels_key, rec.cache_hit = levels_stage(
                stages, profile_key, customers, parent_labels, space, params.cluster, params.levels, profiles)
            notices.extend(clustering.notices)
            progress("levels", 1.0, f"{levels_info['segments']} segments inside {levels_info['parents']}")

    run_info: RunInfo = {
        "input": {"name": table.name, "hash": table.content_hash, "rows": int(len(table.frame)),
                  "customers": int(len(customers)), "format": table.format, "encoding": table.encoding,
                  "delimiter": table.delimiter},
        "roles": done.roles,
        "parameters": params.as_dict(),
        "versions": done.versions,
        "embedding": done.embed_info,
        "stages": {name: stages_rec[name].as_dict() for name in STAGES if name in stages_rec},
        "cache_keys": {"features": done.matrix_key, "reduce": done.reduce_key, "cluster": done.cluster_key,
                       "profile": profile_key,
                       **({"recommend": recommend_key} if recommend_key else {}),
                       **({"levels": levels_key} if levels_key else {})},
        "quality": figures,
        "notices": list(dict.fromkeys(notices)),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if done.behaviour_info is not None:
        run_info["interactions"] = done.behaviour_info
    if recommend_info is not None:
        run_info["recommend"] = recommend_info
    if levels_info is not None:
        run_info["levels"] = levels_info
    return SegmentationResult(customers, clustering, space, coords, profiles, figures, run_info,
                              run_info["notices"], recommendations=recommendations, features=done.features,
                              parents=parents, parent_labels=parent_labels)
