"""Everything that decides a segmentation besides the data: :class:`SegmentParams`, saved in ``run.json``."""

from __future__ import annotations

from dataclasses import InitVar, asdict, dataclass, fields, replace
from typing import Any

import pandas as pd

from core.errors import ParameterError
from core.ingest.io import MAX_ROWS
from core.ingest.privacy import exclude_pii
from core.ingest.roles import resolve_roles
from core.represent.embedders import EmbedderChoice
from core.represent.features import TEXT_AGGREGATIONS
from core.schema import Param, check_fields, declared, param
from core.segment.cluster import ClusterParams
from core.segment.levels import LevelParams, check_levels
from core.segment.quality import STABILITY_RUNS
from core.segment.reduce import OLD_EPOCHS, ReduceParams

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
    embed: EmbedderChoice = EmbedderChoice()  # its seed is not used: the embedder gets the reduction's
    # shorthands for embed's fields: SegmentParams(embedder="fake") is SegmentParams(embed=EmbedderChoice("fake"))
    embedder: InitVar[str | None] = None
    model: InitVar[str | None] = None
    device: InitVar[str | None] = None
    backend: InitVar[str | None] = None
    weights: tuple[tuple[str, float], ...] = tuple(DEFAULT_WEIGHTS.items())
    reduce: ReduceParams = ReduceParams(n_components=5, n_neighbors=15, min_dist=0.0)
    map: ReduceParams = ReduceParams(n_components=2, n_neighbors=15, min_dist=0.1)
    cluster: ClusterParams = ClusterParams()
    levels: LevelParams = LevelParams()  # segments within segments (core.segment.levels)
    stability_runs: int = param(STABILITY_RUNS, what="The number of stability runs", label="Stability runs",
                                low=0, high=50, help="re-cluster this many subsamples to measure stability (0 skips)")
    allow_pii: tuple[str, ...] = ()  # columns that look like personal data but may be used anyway
    max_rows: int = param(MAX_ROWS, what="The row limit", label="Row limit", low=1, high=100 * MAX_ROWS,
                          help="refuse tables with more rows")

    def __post_init__(self, embedder: str | None, model: str | None, device: str | None,
                      backend: str | None) -> None:
        shorthands = {"embedder": embedder, "model": model, "device": device, "backend": backend}
        given: dict[str, Any] = {name: value for name, value in shorthands.items() if value is not None}
        if given:
            object.__setattr__(self, "embed", replace(self.embed, **given))

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
        return replace(self.embed, seed=self.reduce.seed)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["embed"] = {name: getattr(self.embed, name) for name in declared(EmbedderChoice)}
        out["cluster"] = self.cluster.as_dict()
        out["roles"] = dict(self.roles)
        out["weights"] = dict(self.weights)
        out["text_cols"] = list(self.text_cols)
        out["allow_pii"] = list(self.allow_pii)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> SegmentParams:
        """The parameters back from :meth:`as_dict` (``run.json`` ``parameters``), to run a saved run again;
        reads the formats of earlier versions too."""
        known = {f.name for f in fields(cls)}
        out = {k: v for k, v in data.items() if k in known}
        for name in ("reduce", "map"):
            if name in out:
                out[name] = ReduceParams(**{"n_epochs": OLD_EPOCHS, **out[name]})
        if "cluster" in out:
            out["cluster"] = ClusterParams.from_dict(out["cluster"])
        if "levels" in out:
            out["levels"] = LevelParams(**out["levels"])
        embed = data.get("embed", data)  # runs saved before ``embed`` keep its fields at the top level
        out["embed"] = EmbedderChoice(**{name: embed[name] for name in declared(EmbedderChoice) if name in embed})
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
        check_fields(self.embed)
        if self.map.n_components not in MAP_DIMS:
            raise ParameterError(f"The map has 2 or 3 dimensions, not {self.map.n_components}.")
        for block, weight in self.weights:
            if block not in DEFAULT_WEIGHTS:
                raise ParameterError(f"There is no feature block {block!r}; weigh one of {', '.join(DEFAULT_WEIGHTS)}.")
            WEIGHT.check(weight)
        self.reduce.validate()
        self.map.validate()
        self.cluster.validate()
        check_levels(self.levels, self.cluster.algo)
        return self
