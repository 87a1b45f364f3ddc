"""Everything that decides a segmentation besides the data: :class:`SegmentParams`, saved in ``run.json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from core.errors import ParameterError
from core.ingest.io import MAX_ROWS
from core.represent.embedders.sentence_transformer import DEFAULT_MODEL
from core.represent.text import EmbedderChoice
from core.segment.cluster import ClusterParams
from core.segment.quality import STABILITY_RUNS
from core.segment.reduce import ReduceParams

DEFAULT_WEIGHTS = {"text": 1.0, "numeric": 0.5, "categorical": 0.5, "behaviour": 1.0}


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
