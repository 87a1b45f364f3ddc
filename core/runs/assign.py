"""Assign new customers to the segments of a saved segmentation.

A segmentation leaves an *assignment model* beside its results (``model/`` in a saved run or
in the ``--out`` folder of ``python -m core segment``), in safe formats only:

* ``spec.json``: column roles, text aggregation, the embedding model, and the fitted feature
  specification (medians/spreads, latest dates, category levels, block scales and weights);
* ``features.npy``, ``labels.npy``, ``coords.npy``, ``ids.npy``: the training customers' feature matrix,
  their segments, their map positions and their ids (loaded with ``allow_pickle=False``; models
  saved before ids were kept have no ``ids.npy``).

New customers are described exactly like the training ones (same roles, same scaling, same
embedding model) and take the segment that wins a distance-weighted vote among their
``k`` nearest training customers in feature space; their map position is the weighted mean
of those neighbours'. A training customer (same id, described the same) keeps the segment and
position it was fitted with, and a customer identical to a training customer gets that customer's
segment, so re-assigning the training set reproduces it: this is what makes a Ray run that fits on
every customer label them as the local engine does (see docs/BENCHMARKS.md).

For the Runs page: ``assign_file(run, path_or_bytes, workspace)`` returns an
:class:`Assignment` whose ``segments`` frame has the columns of ``segments.csv``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import ColumnError, ParameterError, RunNotFoundError
from core.explain.profile import UNASSIGNED, segment_names
from core.ingest.io import LoadedTable, load_table
from core.pipeline import Progress, SegmentationResult
from core.represent.embedders import EMBEDDERS, EmbedderChoice
from core.represent.features import Customers, FeatureSpec, prepare_customers, transform_features
from core.represent.text import text_vectors
from core.runs.neighbours import ReferenceIndex
from core.segment.geometry import runner_up_margin, segment_centres
from core.storage.atomic import atomic_folder

MODEL_DIR = "model"
FORMAT_VERSION = 2  # 2 records the embedder and its runtime; 1 is still read
DEFAULT_K = 15


@dataclass
class AssignmentModel:
    """What assigning needs from a finished segmentation."""

    spec: FeatureSpec
    roles: dict[str, str]
    text_aggregation: str
    embedding_model: str | None  # the embedder's model id, e.g. "st:all-MiniLM-L6-v2"; None without text
    embedder: str | None  # the registered embedder that made the vectors (None without text)
    backend: str | None  # the runtime it ran on (torch, bf16, onnx; "auto" where there is nothing to choose)
    model: str  # the model name or path given to the run
    seed: int
    features: np.ndarray  # training customers × features, float32
    labels: np.ndarray  # training segments (−1 = unassigned)
    coords: np.ndarray  # training map positions
    blocks: dict[str, tuple[int, int]]  # column range of each block in ``features``
    ids: np.ndarray | None = None  # training customers' ids (str); None in models saved before they were kept
    _positions: pd.Series | None = field(default=None, init=False, repr=False, compare=False)

    def fitted_rows(self, ids: pd.Series | np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """For each row: the training row of the same customer (same id) described the same way (features
        within 1e-6), else −1. Such a customer keeps the segment it was fitted into."""
        found = np.full(len(matrix), -1, dtype=np.int64)
        if self.ids is None or not len(matrix):
            return found
        if self._positions is None:  # each id's first training row
            positions = pd.Series(np.arange(len(self.ids)), index=pd.Index(self.ids, dtype=object))
            self._positions = positions[~positions.index.duplicated()]
        rows = self._positions.reindex(np.asarray(ids, dtype=str)).fillna(-1).to_numpy(dtype=np.int64)
        known = np.flatnonzero(rows >= 0)
        same = np.abs(np.asarray(matrix[known], dtype=np.float32) - self.features[rows[known]]).max(axis=1) <= 1e-6
        found[known[same]] = rows[known[same]]
        return found


def assignment_model(result: SegmentationResult) -> AssignmentModel:
    """The assignment model of a finished segmentation."""
    if result.features is None or result.features.spec is None:
        raise ParameterError("This segmentation has no feature specification to assign new customers with.")
    params = result.run_info["parameters"]
    return AssignmentModel(
        spec=result.features.spec, roles=dict(result.customers.roles), text_aggregation=params["text_aggregation"],
        embedding_model=result.run_info["embedding"]["model"], embedder=result.run_info["embedding"]["embedder"],
        backend=result.run_info["embedding"]["backend"], model=params["embed"]["model"],
        seed=int(params["reduce"]["seed"]), features=result.features.matrix.astype(np.float32),
        labels=np.asarray(result.clustering.labels, dtype=np.int64), coords=result.map_coords.astype(np.float32),
        blocks={name: (int(a), int(b)) for name, (a, b) in result.features.blocks.items()},
        ids=result.customers.frame["id"].astype(str).to_numpy(dtype=str),
    )


def save_model(model: AssignmentModel, folder: Path) -> None:
    """Write ``folder`` (usually ``<run>/model``) completely under a temporary name, then rename it into place."""

    def fill(tmp: Path) -> None:
        meta = {"format": FORMAT_VERSION, "spec": model.spec.to_dict(), "roles": model.roles,
                "text_aggregation": model.text_aggregation, "embedding_model": model.embedding_model,
                "embedder": model.embedder, "backend": model.backend, "model": model.model, "seed": model.seed,
                "blocks": model.blocks}
        (tmp / "spec.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        for name in ("features", "labels", "coords", "ids"):
            if getattr(model, name) is not None:
                np.save(tmp / f"{name}.npy", getattr(model, name), allow_pickle=False)
        for path in tmp.iterdir():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())

    atomic_folder(Path(folder), fill, replace=True)


def load_model(folder: Path) -> AssignmentModel:
    """Read an assignment model (JSON and ``.npy`` without pickle)."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "spec.json").read_text(encoding="utf-8"))
        names = ["features", "labels", "coords"] + (["ids"] if (folder / "ids.npy").exists() else [])
        arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in names}
    except (OSError, ValueError) as exc:
        raise RunNotFoundError(
            f"The assignment model in {str(folder)!r} is missing or damaged ({type(exc).__name__}). "
            "Run the segmentation again to rebuild it."
        ) from None
    if meta.get("format") not in (1, FORMAT_VERSION):
        raise RunNotFoundError(
            f"The assignment model in {str(folder)!r} is from another version; run the segmentation again.")
    embedder, backend = ((meta["embedder"], meta["backend"]) if meta["format"] > 1
                         else _runtime_of(meta["embedding_model"]))
    return AssignmentModel(FeatureSpec.from_dict(meta["spec"]), dict(meta["roles"]), meta["text_aggregation"],
                           meta["embedding_model"], embedder, backend, meta["model"], int(meta["seed"]),
                           blocks={k: tuple(v) for k, v in meta["blocks"].items()}, **arrays)


REFRESH_DIR = "refreshes"  # a workspace's refreshes: <workspace>/refreshes/<refresh id>/, output folders


def locate_run(run: str | Path, workspace: str | Path) -> Path:
    """The folder of ``run``: an output folder of ``segment``/``refresh``, or a saved run or refresh id in
    ``workspace``."""
    candidates = [Path(run)]
    if Path(run).name == str(run):  # a bare name may be a run id or a refresh id
        candidates += [Path(workspace) / "runs" / str(run), Path(workspace) / REFRESH_DIR / str(run)]
    for folder in candidates:
        if folder.is_dir() and (folder / "run.json").exists():
            if not (folder / MODEL_DIR / "spec.json").exists():
                raise RunNotFoundError(
                    f"{str(run)!r} was saved without an assignment model (by an older version); "
                    "run the segmentation again."
                )
            return folder
    raise RunNotFoundError(
        f"{str(run)!r} is neither an output folder of 'segment' nor a saved run in {str(workspace)!r}. "
        "Give the --out folder of a segmentation or refresh, a run id from the Runs page or a refresh id from the "
        "Changes page."
    )


@dataclass
class Assignment:
    """New customers with their segments, in the columns of ``segments.csv``."""

    segments: pd.DataFrame
    notices: list[str] = field(default_factory=list)
    values: pd.DataFrame | None = None  # the customers' typed role columns (id first), in the segments' order


def _runtime_of(model_id: str | None) -> tuple[str | None, str | None]:
    """(embedder, runtime) of a format-1 model, which kept them only inside the vectors' cache identity."""
    if model_id is None:
        return None, None
    kind = model_id.split(":", 1)[0]
    if kind in ("lexical", "fake"):
        return kind, "auto"
    runtimes = {"st": "torch", "st-fp16-cuda": "torch", "st-bf16": "bf16"}
    return "model", "onnx" if kind.startswith("onnx") else runtimes.get(kind, "auto")


def _embedder_choice(model: AssignmentModel) -> EmbedderChoice:
    """The run's embedder on the runtime that made its vectors, so new texts are embedded the same way."""
    plugin = EMBEDDERS.get(model.embedder or "")
    if plugin is None:
        raise ParameterError(f"This run embedded its texts with {model.embedder!r}, which this version does not have.")
    if not plugin.reproducible:
        raise ParameterError(
            f"This run embedded its texts with the {model.embedder} embedder, which is fitted on that run's own texts, "
            "so new customers cannot be described the same way. Segment again with a sentence model to assign."
        )
    # fp16 CUDA vectors (their own cache identity) are read, and new texts embedded, as fp16 on CUDA
    device = "cuda" if (model.embedding_model or "").startswith("st-fp16-cuda:") else "auto"
    return EmbedderChoice(embedder=plugin.name, model=model.model, device=device, backend=model.backend or "auto",
                          seed=model.seed)


def describe_customers(table: LoadedTable, model: AssignmentModel, workspace: str | Path,
                       progress: Progress | None = None) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """The new customers (id column first) and their feature matrix, described like the training ones."""
    customers, matrix, notices = describe(table, model, workspace, progress)
    return customers.frame, matrix, notices


def describe(table: LoadedTable, model: AssignmentModel, workspace: str | Path,
             progress: Progress | None = None) -> tuple[Customers, np.ndarray, list[str]]:
    """The new customers (with their texts, for profiling) and their feature matrix, described like the run's."""
    used = {col: role for col, role in model.roles.items() if role in ("id", "text", "numeric", "categorical", "date")}
    missing = [col for col in used if col not in table.frame.columns]
    if missing:
        raise ColumnError(
            f"The new table lacks column(s) {', '.join(repr(c) for c in missing)} that the segmentation uses. "
            "Give a table with the same columns as the one segmented."
        )
    notices = list(table.notices)
    customers = prepare_customers(table.frame, used, model.text_aggregation)
    notices.extend(customers.notices)
    vectors = None
    if "text" in model.blocks:
        vectors, _ = text_vectors(customers, _embedder_choice(model), Path(workspace),
                                   progress or (lambda *a: None), notices)
        if vectors is None:  # no new customer has any text: text features are zero, as for such customers in training
            start, end = model.blocks["text"]
            vectors = np.zeros((len(customers), end - start), dtype=np.float32)
    return customers, transform_features(customers, vectors, model.spec), notices


def nearest_vote(model: AssignmentModel, matrix: np.ndarray, k: int = DEFAULT_K,
                 index: ReferenceIndex | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(segment, share of the weighted vote, map position) for each row of ``matrix``.

    Votes of the ``k`` nearest training customers, weighted by 1/distance; a training customer
    at distance 0 (an identical description) decides alone. ``index``: the training customers'
    neighbour index when the caller keeps one across blocks (else an exact one is built here).
    """
    if not isinstance(k, int) or k < 1:
        raise ParameterError(f"k must be a whole number of at least 1, not {k!r}.")
    k = min(k, len(model.labels))
    if matrix.shape[1] != model.features.shape[1]:
        raise ParameterError(
            f"The new customers have {matrix.shape[1]} features but the segmentation {model.features.shape[1]}; "
            "give a table with the same columns."
        )
    dist, idx = (index or ReferenceIndex(model.features, approximate=False)).kneighbors(matrix, k)
    exact = dist <= 1e-6
    weights = np.where(exact.any(axis=1, keepdims=True), exact.astype(float), 1.0 / np.maximum(dist, 1e-12))
    segments = np.unique(model.labels)
    votes = np.stack([(weights * (model.labels[idx] == s)).sum(axis=1) for s in segments], axis=1)
    winner = votes.argmax(axis=1)
    share = votes[np.arange(len(votes)), winner] / weights.sum(axis=1)
    coords = (model.coords[idx] * weights[..., None]).sum(axis=1) / weights.sum(axis=1)[:, None]
    return segments[winner], share, coords


def assign_table(table: LoadedTable, folder: Path, workspace: str | Path, k: int = DEFAULT_K,
                 progress: Progress | None = None) -> Assignment:
    """Assign the customers of ``table`` with the model saved in run folder ``folder``."""
    folder = Path(folder)
    model = load_model(folder / MODEL_DIR)
    profiles = json.loads((folder / "profiles.json").read_text(encoding="utf-8"))
    return assign_customers(table, model, segment_names(profiles), workspace, k, progress)


def assign_customers(table: LoadedTable, model: AssignmentModel, names: dict[int, str], workspace: str | Path,
                     k: int = DEFAULT_K, progress: Progress | None = None,
                     index: ReferenceIndex | None = None) -> Assignment:
    """Assign the customers of ``table`` with a loaded ``model`` (``names``: segment id → name); what
    :func:`assign_table` does after reading the run, and what the Ray engine runs on every block (with
    the ``index`` its actor built once)."""
    customers, matrix, notices = describe_customers(table, model, workspace, progress)
    fitted = model.fitted_rows(customers["id"], matrix)
    labels, share, coords = model.labels[fitted], np.ones(len(matrix)), model.coords[fitted]  # indexing copies
    new = np.flatnonzero(fitted < 0)
    if len(new):
        labels[new], share[new], coords[new] = nearest_vote(model, matrix[new], k, index)
    frame = pd.DataFrame({
        "id": customers["id"].astype(str).to_numpy(),
        "segment_id": labels.astype(int),
        "segment_name": [names.get(int(s), UNASSIGNED) for s in labels],
        "membership": np.round(share.astype(float), 4),
        "outlier": labels < 0,
    })
    for i, axis in enumerate("xyz"[: coords.shape[1]]):
        frame[axis] = np.round(coords[:, i].astype(float), 4)
    runner_up, margin = runner_up_margin(matrix, labels, *segment_centres(model.features, model.labels))
    frame["runner_up"], frame["margin"] = runner_up, np.round(margin, 4)
    return Assignment(frame, list(dict.fromkeys(notices)), customers)


def assign_file(run: str | Path, source: str | Path | bytes, workspace: str | Path, name: str | None = None,
                k: int = DEFAULT_K, progress: Progress | None = None) -> Assignment:
    """Read ``source`` (a path or uploaded bytes) and assign its customers with run ``run`` (id or folder)."""
    return assign_table(load_table(source, name), locate_run(run, workspace), workspace, k, progress)


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Share of customers given the same segment by two labelings."""
    a, b = np.asarray(a), np.asarray(b)
    return float((a == b).mean()) if len(a) else 1.0
