"""Everything that decides a segmentation besides the data: :class:`SegmentParams`, saved in ``run.json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import pandas as pd

from core.errors import ParameterError
from core.ingest.io import MAX_ROWS
from core.ingest.privacy import exclude_pii
from core.ingest.roles import resolve_roles
from core.represent.embedders import EmbedderChoice, embedder_names
from core.represent.embedders.runtime import BACKENDS
from core.represent.embedders.sentence_transformer import DEFAULT_MODEL, DEVICES
from core.represent.features import TEXT_AGGREGATIONS
from core.schema import Param, check_fields, param
from core.segment.cluster import ClusterParams
from core.segment.quality import STABILITY_RUNS
from core.segment.reduce import ReduceParams

DEFAULT_WEIGHTS = {"text": 1.0, "numeric": 0.5, "categorical": 0.5, "behaviour": 1.0}
WEIGHT = Param(what="A feature block's weight", label="Weight", kind=float, low=0.0, high=5.0,
               help="how much a feature block counts (0 leaves it out)")
MAP_DIMS = (2, 3)


@dataclass(frozen=True)
class SegmentParams:
    """Everything that decides a segmentation, besides the data. Tunable fields are declared with their
    bounds (:mod:`core.schema`); the column choices (id, texts, user, roles, personal data) are the table's."""

    id_col: str | None = None
    text_cols: tuple[str, ...] = ()
    user_col: str | None = None
    roles: tuple[tuple[str, str], ...] = ()  # overrides as (column, role) pairs
    text_aggregation: str = param("join", what="The text aggregation", label="Text aggregation", kind=str,
                                  choices=TEXT_AGGREGATIONS,
                                  help="with a user column: join a user's texts or average their embeddings")
    embedder: str = param("auto", what="The embedder", label="Embedder", kind=str, choices=embedder_names,
                          help="auto: the model, or an embedder that reads the texts' language when it does not")
    model: str = param(DEFAULT_MODEL, what="The model", label="Model (sentence-transformers name or local folder)",
                       kind=str, help="the default ships with the app; nothing is downloaded")
    device: str = param("auto", what="The device", label="Device", kind=str, choices=DEVICES,
                        help="where the model runs: auto uses a CUDA GPU when there is one")
    backend: str = param("auto", what="The backend", label="Backend", kind=str, choices=BACKENDS,
                         help="model runtime: torch = PyTorch (fp32 on CPU, fp16 on CUDA); bf16 = PyTorch with "
                              "bfloat16 autocast on CPU (auto's choice on CPUs with AMX or AVX-512 BF16); onnx = int8 "
                              "ONNX on CPU (auto's choice for the default model on other CPUs)")
    weights: tuple[tuple[str, float], ...] = tuple(DEFAULT_WEIGHTS.items())
    reduce: ReduceParams = ReduceParams(n_components=5, n_neighbors=15, min_dist=0.0)
    map: ReduceParams = ReduceParams(n_components=2, n_neighbors=15, min_dist=0.1)
    cluster: ClusterParams = ClusterParams()
    stability_runs: int = param(STABILITY_RUNS, what="The number of stability runs", label="Stability runs",
                                low=0, high=50, help="re-cluster this many subsamples to measure stability (0 skips)")
    allow_pii: tuple[str, ...] = ()  # columns that look like personal data but may be used anyway
    max_rows: int = param(MAX_ROWS, what="The row limit", label="Row limit", low=1, high=100 * MAX_ROWS,
                          help="refuse tables with more rows")

    def with_seed(self, seed: int) -> SegmentParams:
        return replace(self, reduce=replace(self.reduce, seed=seed), map=replace(self.map, seed=seed),
                       cluster=replace(self.cluster, seed=seed))

    def column_roles(self, frame: pd.DataFrame, notices: list[str],
                     detected: dict[str, str] | None = None) -> dict[str, str]:
        """The role of each column of ``frame`` under these column choices, personal-data columns left out
        unless allowed (a notice each); ``detected``: the detection when already at hand."""
        roles = resolve_roles(frame, dict(self.roles), self.id_col, list(self.text_cols) or None, self.user_col,
                              detected=detected)
        return exclude_pii(frame, roles, self.allow_pii, notices)

    def embedder_choice(self) -> EmbedderChoice:
        """What decides the text vectors (the embedder is seeded with the reduction's seed)."""
        return EmbedderChoice(self.embedder, self.model, self.device, self.backend, self.reduce.seed)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["roles"] = dict(self.roles)
        out["weights"] = dict(self.weights)
        out["text_cols"] = list(self.text_cols)
        out["allow_pii"] = list(self.allow_pii)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> SegmentParams:
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

    def validate(self) -> SegmentParams:
        """Check every parameter; the first bad one raises :class:`~core.errors.ParameterError`."""
        check_fields(self)
        if self.map.n_components not in MAP_DIMS:
            raise ParameterError(f"The map has 2 or 3 dimensions, not {self.map.n_components}.")
        for block, weight in self.weights:
            if block not in DEFAULT_WEIGHTS:
                raise ParameterError(f"There is no feature block {block!r}; weigh one of {', '.join(DEFAULT_WEIGHTS)}.")
            WEIGHT.check(weight)
        self.reduce.validate()
        self.map.validate()
        self.cluster.validate()
        return self
