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

import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from core.behaviour import InteractionInputs, Interactions, Matched, behaviour_block, match, prepare_interactions
from core.cache import EmbeddingCache, StageCache, array_hash, stable_hash, text_hash
from core.cluster import ClusterParams, Clustering, cluster
from core.embed import (DEFAULT_MODEL, OnnxEmbedder, SentenceTransformerEmbedder, choose_embedder, lexical_fallback,
                        resolve_model_path, torch_fallback)
from core.errors import InputError, ModelError, ParameterError
from core.evaluate import evaluate, holdout_mask
from core.features import Customers, FeatureMatrix, build_features, prepare_customers
from core.io import MAX_ROWS, LoadedTable
from core.privacy import detect_pii
from core.profile import TERMS_FORMAT, UNASSIGNED, TermPresence, attach_items, profile_segments, segment_names, term_presence
from core.quality import STABILITY_RUNS, attach_segment_quality, segmentation_quality, stability
from core.recommend import RecommendParams, Recommendations, recommend_customers
from core.reduce import ReduceParams, SharedNeighbours, reduce
from core.roles import DETECTION_FORMAT, detect_roles, resolve_roles

STAGES = ("load", "embed", "behaviour", "features", "reduce", "cluster", "map", "profile", "recommend")
DEFAULT_WEIGHTS = {"text": 1.0, "numeric": 0.5, "categorical": 0.5, "behaviour": 1.0}
_VERSIONED = ("numpy", "scipy", "scikit-learn", "umap-learn", "hdbscan", "sentence-transformers", "torch", "pandas")

_TOKENIZE_CHUNK = 2048  # texts per tokenizer call when counting over-long texts (bounds its memory)
_RECOMMEND_FORMAT = 3  # bump when the recommend stage's cached content changes shape
_PROFILE_FORMAT = 1  # bump when profiles or quality figures change (cached per clustering, table and roles)

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
    stability_runs: int = STABILITY_RUNS  # re-clusterings of subsamples for stability; 0 skips it
    allow_pii: tuple[str, ...] = ()  # columns that look like personal data but may be used anyway
    max_rows: int = MAX_ROWS

    def with_seed(self, seed: int) -> "SegmentParams":
        return replace(self, reduce=replace(self.reduce, seed=seed), map=replace(self.map, seed=seed),
                       cluster=replace(self.cluster, seed=seed))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["roles"] = dict(self.roles)
        out["weights"] = dict(self.weights)
        out["text_cols"] = list(self.text_cols)
        out["allow_pii"] = list(self.allow_pii)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "SegmentParams":
        """The parameters back from :meth:`as_dict` (``run.json`` ``parameters``), to run a saved run again."""
        known = {f.name for f in fields(cls)}
        out = {k: v for k, v in data.items() if k in known}
        for name, kind in (("reduce", ReduceParams), ("map", ReduceParams), ("cluster", ClusterParams)):
            if name in out:
                out[name] = kind(**out[name])
        for name in ("roles", "weights"):
            if name in out:
                out[name] = tuple(out[name].items())
        for name in ("text_cols", "allow_pii"):
            if name in out:
                out[name] = tuple(out[name])
        return cls(**out)

    def validate(self) -> "SegmentParams":
        if self.map.n_components not in (2, 3):
            raise ParameterError(f"The map has 2 or 3 dimensions, not {self.map.n_components}.")
        self.reduce.validate()
        self.map.validate()
        self.cluster.validate()
        if not isinstance(self.stability_runs, int) or not 0 <= self.stability_runs <= 50:
            raise ParameterError(f"The number of stability runs must be a whole number from 0 to 50, not {self.stability_runs!r}.")
        if not isinstance(self.max_rows, int) or isinstance(self.max_rows, bool) or self.max_rows < 1:
            raise ParameterError(f"The row limit must be a whole number of at least 1, not {self.max_rows!r}.")
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
    recommendations: Recommendations | None = None
    features: FeatureMatrix | None = None  # the matrix clustered on, with its fitted spec (for assign)

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
    progress("embed", 1.0, f"{info['embedded']:,} texts embedded, {info['from_cache']:,} served from the cache")
    empty = np.array([not t for t in texts])
    if empty.any() and not empty.all():  # no text: neutral (average) text features, placed by other columns
        vectors = vectors.copy()
        vectors[empty] = vectors[~empty].mean(axis=0)
    if isinstance(embedder, (SentenceTransformerEmbedder, OnnxEmbedder)):
        notices.extend(_cached_window_notices(StageCache(workspace), texts, params.model))
    if customers.row_owner is not None:  # average each customer's row embeddings
        sums = np.zeros((len(customers), vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, customers.row_owner, vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        vectors = (sums / np.where(norms == 0, 1, norms)).astype(np.float32)
    return vectors, info


def window_notices(texts: list[str], model: str) -> list[str]:
    """How many texts run past the model's window (its ``max_seq_length`` in word pieces): the model
    embeds only their beginning. Counted with the model's own tokenizer; empty when it cannot be found."""
    try:
        folder = Path(resolve_model_path(model))
        window = int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (ModelError, OSError, ValueError, KeyError):
        return []
    if not (folder / "tokenizer.json").exists():
        return []
    # a word piece covers at least one character; each distinct text is tokenised once, a chunk at a time
    candidates = list(dict.fromkeys(t for t in texts if len(t) > window - 2))
    if not candidates:
        return []
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    too_long: set[str] = set()
    for start in range(0, len(candidates), _TOKENIZE_CHUNK):
        part = candidates[start : start + _TOKENIZE_CHUNK]
        too_long.update(t for t, encoding in zip(part, tokenizer.encode_batch_fast(part)) if len(encoding.ids) > window)
    long = sum(t in too_long for t in texts) if too_long else 0
    if not long:
        return []
    return [f"{long:,} text(s) are longer than the model's window of {window} word pieces; "
            "only their beginning is embedded."]


def _cached_detected_roles(stages: StageCache, table: LoadedTable) -> dict[str, str] | None:
    """The detected role of every column, kept per table content (None for a table without a content hash)."""
    if not table.content_hash:
        return None
    key = stable_hash("roles", DETECTION_FORMAT, table.content_hash, [str(c) for c in table.frame.columns])
    found, _ = stages.json_result("roles", key, lambda: {"roles": {i.name: i.role for i in detect_roles(table.frame)}})
    return found["roles"]


def _cached_window_notices(stages: StageCache, texts: list[str], model: str) -> list[str]:
    """:func:`window_notices`, kept per (model, texts): counting tokens again costs seconds per re-run."""
    key = stable_hash("window", model, text_hash("\x00".join(texts)))
    return stages.json_result("window", key, lambda: {"notices": window_notices(texts, model)})[0]["notices"]


def _cached_term_presence(stages: StageCache, texts: list[str]) -> TermPresence:
    """The texts × terms matrix behind segment words, kept per text content (labels do not change it)."""
    from scipy import sparse

    key = stable_hash("terms", TERMS_FORMAT, text_hash("\x00".join(texts)))
    hit = stages.get("terms", key)
    if hit:
        arrays, meta = hit
        matrix = sparse.csr_matrix((np.ones(len(arrays["indices"]), dtype=np.float32), arrays["indices"],
                                    arrays["indptr"]), shape=(len(texts), len(meta["terms"])))
        return matrix, np.array(meta["terms"], dtype=object)
    matrix, terms = term_presence(texts)
    stages.put("terms", key, {"indices": matrix.indices, "indptr": matrix.indptr}, {"terms": terms.tolist()})
    return matrix, terms


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


def _behaviour(inputs: InteractionInputs | Interactions, customers: Customers, roles: dict[str, str], seed: int,
               notices: list[str]) -> tuple[Interactions, Matched, np.ndarray, dict]:
    """Type the interactions, match them to the customers and make the behaviour block."""
    if isinstance(inputs, InteractionInputs):
        inputs = prepare_interactions(inputs, next((c for c, r in roles.items() if r == "id"), None))
    notices.extend(inputs.notices)
    matched = match(inputs, customers.frame["id"])
    if not matched.keep.any():
        raise InputError(
            f"No user of the interactions is a customer of the users table (interactions say "
            f"{inputs.events['user'].iloc[0]!r}, the users table {customers.frame['id'].iloc[0]!r}). Check the "
            f"interactions' user column ({inputs.source['user_col']!r}) and the users' id column.")
    unknown = int(inputs.events.loc[~matched.keep, "user"].nunique())
    if unknown:
        notices.append(f"{unknown:,} user(s) in the interactions are not in the users table; "
                       "their interactions are left out.")
    block = behaviour_block(inputs, matched, seed)
    cold = len(customers) - block.with_history
    if cold:
        notices.append(f"{cold:,} customer(s) have no interactions: their behaviour features are neutral and "
                       "they get their segment's list (cold start).")
    info = {**inputs.source, "matched_events": int(matched.keep.sum()), "customers_with_history": block.with_history,
            "features": block.names}
    return inputs, matched, block.matrix, info


def recommend_stage(table: LoadedTable, params: SegmentParams, workspace: Path, labels: np.ndarray,
                    customers: Customers, interactions: Interactions, matched: Matched, rec: RecommendParams,
                    behaviour_used: bool, cluster_key: str, progress: Progress) -> tuple[Recommendations, str, bool]:
    """Per-segment and per-customer lists from all interactions, and their hold-out evaluation.

    The evaluation hides part of each customer's items; when the behaviour block shaped the
    segments, it re-fits them on the training interactions only, so the segments never saw
    what is being predicted. Returns (recommendations, cache key, cache hit).
    """
    stages = StageCache(workspace)
    key = stable_hash("recommend", _RECOMMEND_FORMAT, cluster_key, interactions.content_hash, rec.as_dict(), behaviour_used,
                      metadata.version("scipy"), metadata.version("numpy"))
    ids = customers.frame["id"].astype(str)
    hit = stages.get("recommend", key)
    if hit:
        arrays, meta = hit
        users = pd.DataFrame({"id": ids.to_numpy()[arrays["customer"]], "rank": arrays["rank"],
                              "item_id": interactions.item_ids[arrays["item"]].astype(str), "score": arrays["score"]})
        lists = pd.DataFrame(meta["segment_lists"], columns=meta["list_columns"])
        return (Recommendations(lists, users, meta["evaluation"], matched.matrix(), interactions.item_ids,
                                interactions.item_names), key, True)
    progress("recommend", 0.0, "Ranking items per segment and per customer")
    matrix = matched.matrix()
    lists, users = recommend_customers(matrix, labels, ids, interactions.item_ids, rec, interactions.item_names)
    progress("recommend", 0.4, "Evaluating on held-out interactions")
    train_mask = holdout_mask(interactions, matched, rec.holdout, rec.seed)
    train = interactions.subset(train_mask)
    train_labels, refit = labels, "independent of the interactions (no behaviour block)"
    if train_mask.all():
        refit = "not re-fitted: nothing was held out"
    elif behaviour_used:
        progress("recommend", 0.5, "Re-fitting the segments on the training interactions only")
        refit_progress: Progress = lambda stage, fraction, message: progress("recommend", 0.5, f"Re-fit: {message}")
        train_labels = segment_labels(table, params, workspace, refit_progress, interactions=train)
        refit = "re-fitted on the training interactions only, so they never saw the held-out items"
    evaluation = evaluate(match(train, ids).matrix(), match(interactions.subset(~train_mask), ids).matrix(),
                          train_labels, rec)
    evaluation["holdout"] = {"share": rec.holdout,
                             "by": "latest first choice per customer" if interactions.has_time
                             else f"random per customer (seed {rec.seed})"}
    evaluation["segments"] = refit
    position = {c: i for i, c in enumerate(ids)}
    stages.put("recommend", key, {
        "customer": users["id"].map(position).to_numpy(np.int64),
        "item": pd.Categorical(users["item_id"], categories=interactions.item_ids.astype(str)).codes.astype(np.int64),
        "rank": users["rank"].to_numpy(np.int64), "score": users["score"].to_numpy(np.float64),
    }, {"segment_lists": lists.to_dict("records"), "list_columns": list(lists.columns), "evaluation": evaluation})
    progress("recommend", 1.0, f"Recommendations for {len(ids):,} customers")
    return Recommendations(lists, users, evaluation, matrix, interactions.item_ids, interactions.item_names), key, False
def exclude_pii(frame: pd.DataFrame, roles: dict[str, str], allow: tuple[str, ...], notices: list[str]) -> dict[str, str]:
    """Set columns that look like personal data to ``ignore`` unless allowed (an id column stays the id)."""
    roles = dict(roles)
    kept_out = []
    for col, kind in detect_pii(frame).items():
        if col in allow or roles.get(col) in ("id", "ignore"):
            continue
        roles[col] = "ignore"
        kept_out.append(f"{col!r} ({kind})")
    if kept_out:
        notices.append(f"Kept {', '.join(kept_out)} out of the segmentation because it looks like personal data; "
                       "opt in per column to use it.")
    return roles


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


def _profiles_and_quality(customers: Customers, clustering: Clustering, space: np.ndarray, params: SegmentParams,
                          stages: StageCache, progress: Progress) -> tuple[list[dict], dict]:
    """Each segment's profile, and the segmentation's quality and stability figures (attached to the profiles)."""
    started = time.perf_counter()
    presence = _cached_term_presence(stages, customers.texts) if any(customers.texts) else None
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
                       interactions: InteractionInputs | Interactions | None) -> _Clustered:
    """The stages up to the segments: roles, customers, embeddings, behaviour, features, reduction, clustering."""
    stages_rec: dict[str, StageRecord] = {}
    notices = list(table.notices)
    versions = library_versions()
    stages = StageCache(workspace)

    with _Timer(stages_rec, "load"):
        progress("load", 0.0, "Detecting column roles")
        if len(table.frame) > params.max_rows:
            raise InputError(f"{table.name} has {len(table.frame):,} rows, over the limit of {params.max_rows:,}; "
                             "keep fewer rows or raise the limit.")
        roles = resolve_roles(table.frame, dict(params.roles), params.id_col, list(params.text_cols) or None,
                              params.user_col, detected=_cached_detected_roles(stages, table))
        roles = exclude_pii(table.frame, roles, params.allow_pii, notices)
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
        vectors, embed_info = _text_vectors(customers, params, workspace, progress, notices)
        rec.cache_hit = embed_info["embedded"] == 0 and embed_info["texts"] > 0

    behaviour, behaviour_info, matched = None, None, None
    if interactions is not None:
        with _Timer(stages_rec, "behaviour"):
            progress("behaviour", 0.0, "Behaviour features from the interactions")
            interactions, matched, behaviour, behaviour_info = _behaviour(interactions, customers, roles,
                                                                          params.reduce.seed, notices)

    with _Timer(stages_rec, "features"):
        features = build_features(customers, vectors, dict(params.weights),
                                  extra_blocks={"behaviour": behaviour} if behaviour is not None else None)
        matrix_key = array_hash(features.matrix)
        neighbours = SharedNeighbours(features.matrix)  # one kNN graph for both UMAPs, built on first need

    with _Timer(stages_rec, "reduce") as rec:
        progress("reduce", 0.0, f"UMAP to {params.reduce.n_components} dimensions for clustering")
        space, reduce_key = _cached_reduce(stages, "reduce", matrix_key, neighbours, params.reduce, versions,
                                           rec, notices)

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
    return _Clustered(customers, roles, notices, stages_rec, versions, embed_info, features, matrix_key, neighbours,
                      space, reduce_key, clustering, cluster_key,
                      interactions if isinstance(interactions, Interactions) else None, matched, behaviour_info)


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
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    progress = progress or (lambda stage, fraction, message: None)
    done = _cluster_customers(table, params, workspace, progress, interactions)
    customers, clustering, space, notices = done.customers, done.clustering, done.space, done.notices
    stages_rec, stages = done.stages, StageCache(workspace)

    with _Timer(stages_rec, "map") as rec:
        progress("map", 0.0, f"UMAP to {params.map.n_components}-D for the map")
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

    recommendations, recommend_key = None, None
    if done.interactions is not None and recommend is not None:
        with _Timer(stages_rec, "recommend") as rec:
            recommendations, recommend_key, rec.cache_hit = recommend_stage(
                table, params, workspace, clustering.labels, customers, done.interactions, done.matched, recommend,
                "behaviour" in done.features.blocks, done.cluster_key, progress)
        attach_items(profiles, recommendations.segment_lists)

    run_info = {
        "input": {"name": table.name, "hash": table.content_hash, "rows": int(len(table.frame)),
                  "customers": int(len(customers)), "format": table.format, "encoding": table.encoding,
                  "delimiter": table.delimiter},
        "roles": done.roles,
        "parameters": params.as_dict(),
        "versions": done.versions,
        "embedding": done.embed_info,
        "stages": {name: asdict(stages_rec[name]) for name in STAGES if name in stages_rec},
        "cache_keys": {"features": done.matrix_key, "reduce": done.reduce_key, "cluster": done.cluster_key,
                       "profile": profile_key,
                       **({"recommend": recommend_key} if recommend_key else {})},
        "quality": figures,
        "notices": list(dict.fromkeys(notices)),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if done.behaviour_info is not None:
        run_info["interactions"] = done.behaviour_info
    if recommendations is not None:
        run_info["recommend"] = {"parameters": recommend.as_dict(), "evaluation": recommendations.evaluation}
    return SegmentationResult(customers, clustering, space, coords, profiles, figures, run_info,
                              run_info["notices"], recommendations=recommendations, features=done.features)
