"""Why is this customer in their segment and not in the runner-up: reasons ranked by an exact attribution.

Segment centres are their members' mean in the feature space the run built (text embedding, scaled
numbers, one-hot categories, behaviour; each block weighted). For a customer ``x`` with their own
segment's centre ``o`` and the runner-up's centre ``r`` (the nearest other centre),

    d(x, r)² − d(x, o)² = Σ_j (o_j − r_j) · (2·x_j − o_j − r_j)

exactly, one term per feature dimension. Adding up the terms of the dimensions that each source column
made (a numeric or date column: one; a category column: one per level it encodes; the text: the whole
embedding; a block such as behaviour: its columns) gives that column's **contribution**; the reasons are
the columns ranked by it, largest first, and their contributions add up to the whole gap
(``distance_gap``). A positive contribution pulls the customer towards their own segment, a negative one
towards the runner-up. An unassigned customer is compared with the nearest segment instead: each column's
part of d(x, nearest)², largest first — what keeps them out of it.

Each reason carries the customer's value, the segment's typical value (median, or the share of members
with the customer's category), everyone's and the runner-up's, and a sentence such as "age 71 — this
segment's median is 69, everyone's 41". For the text, the value is the customer's words that are
distinctive for the segment (scored like the profile's words, see :mod:`core.explain.profile`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.explain.profile import UNASSIGNED, Profile, TermPresence, cached_term_presence, segment_names, term_presence
from core.represent.features import FeatureSpec
from core.segment.geometry import runner_up_margin, segment_centres, squared_distances
from core.storage.stage_cache import StageCache

MAX_REASONS = 20
N_WORDS = 5
MIN_WORD_LIFT = 1.5  # a word of the customer's is distinctive when members use it this many times as often as others
N_SIMILAR = 5
SIMILAR_TEXT_CHARS = 200
EVERYONE = -2  # the "segment" of all customers, for the per-segment statistics


@dataclass(frozen=True)
class Source:
    """The feature columns ``start:end`` that one source column (or block) made."""

    column: str
    kind: str  # numeric, date, categorical, text, or the block's name (behaviour)
    start: int
    end: int


def feature_sources(spec: FeatureSpec, blocks: dict[str, tuple[int, int]], roles: dict[str, str]) -> list[Source]:
    """Every source column of the feature matrix with its column range, in matrix order."""
    sources: list[Source] = []
    for block in spec.order:
        start, end = blocks[block]
        if block == "numeric":
            sources += [Source(e["column"], e["kind"], start + i, start + i + 1) for i, e in enumerate(spec.numeric)]
        elif block == "categorical":
            at = start
            for entry in spec.categorical:
                width = len(entry["levels"]) + int(entry["other"])
                sources.append(Source(entry["column"], "categorical", at, at + width))
                at += width
        elif block == "text":
            name = " + ".join(c for c, r in roles.items() if r == "text") or "text"
            sources.append(Source(name, "text", start, end))
        else:
            sources.append(Source(block, block, start, end))
    return sources


@dataclass
class SegmentedCustomers:
    """A segmentation's customers as explanations and lookalikes read them (row order = the feature matrix's)."""

    ids: np.ndarray  # customer ids as text
    labels: np.ndarray  # segment of each customer (−1 unassigned)
    membership: np.ndarray
    features: np.ndarray  # customers × features, as the run built them
    blocks: dict[str, tuple[int, int]]
    spec: FeatureSpec
    values: pd.DataFrame  # the typed role columns (numeric, date, categorical), one row per customer
    roles: dict[str, str]
    texts: list[str]
    profiles: list[Profile]

    @cached_property
    def names(self) -> dict[int, str]:
        return segment_names(self.profiles)

    @cached_property
    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Segment ids and their centres in the feature space."""
        return segment_centres(self.features, self.labels)

    @cached_property
    def sources(self) -> list[Source]:
        return feature_sources(self.spec, self.blocks, self.roles)

    def name(self, segment_id: int) -> str:
        return self.names.get(int(segment_id), UNASSIGNED)


def _number(value: object) -> str:
    """A number as an analyst reads it: whole numbers without decimals, three significant digits otherwise."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    x = float(value)  # type: ignore[arg-type]
    if abs(x) >= 1000 or x == round(x):
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _plain(value: object) -> object:
    """A JSON-friendly value: dates as ISO text, missing as None, numpy scalars as Python ones."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


class Explainer:
    """Explains customers of one segmentation; per-segment statistics are computed once and reused.

    With ``stages`` (the workspace's stage cache) the texts × terms matrix behind the text reasons is the one the
    pipeline kept for these texts, else it is built here (seconds for tens of thousands of texts).
    """

    def __init__(self, people: SegmentedCustomers, stages: StageCache | None = None) -> None:
        self.people = people
        self.stages = stages
        self._median: dict[tuple[str, int], object] = {}
        self._share: dict[tuple[str, int, object], float] = {}

    # -- statistics per segment (or everyone) ----------------------------------------------------------
    def _mask(self, segment: int) -> np.ndarray:
        return np.ones(len(self.people.labels), dtype=bool) if segment == EVERYONE else self.people.labels == segment

    def median(self, column: str, segment: int) -> object:
        key = (column, segment)
        if key not in self._median:
            values = self.people.values[column][self._mask(segment)].dropna()
            self._median[key] = values.median() if len(values) else None
        return self._median[key]

    def share(self, column: str, segment: int, value: object) -> float:
        key = (column, segment, value)
        if key not in self._share:
            values = self.people.values[column][self._mask(segment)]
            hits = values.isna() if value is None else (values.astype("string") == str(value)).fillna(False)
            self._share[key] = float(hits.mean()) if len(values) else 0.0
        return self._share[key]

    @cached_property
    def _terms(self) -> tuple[TermPresence, sp.csr_matrix, np.ndarray, np.ndarray, float] | None:
        """The texts × terms matrix, members using each term per segment, everyone's counts, texts per segment."""
        texts = self.people.texts
        if not any(texts):
            return None
        presence, terms = cached_term_presence(self.stages, texts) if self.stages else term_presence(texts)
        ids = self.people.centres[0]
        rows = {int(s): k for k, s in enumerate(ids)}
        member_row = np.array([rows.get(int(s), -1) for s in self.people.labels])
        inside = member_row >= 0
        indicator = sp.csr_matrix((np.ones(int(inside.sum())), (member_row[inside], np.where(inside)[0])),
                                  shape=(len(ids), len(texts)))
        has_text = np.array([bool(t) for t in texts])
        with_text = np.bincount(member_row[inside & has_text], minlength=len(ids)).astype(float)
        users_all = np.asarray(presence.sum(axis=0)).ravel()
        return (presence, terms), (indicator @ presence).tocsr(), users_all, with_text, float(has_text.sum())

    def distinctive_words(self, row: int, segment: int) -> list[dict]:
        """The customer's terms that are distinctive for ``segment``, best first: each with the share of its members
        using it and of everyone, scored like the profile's words (share × log of observed over expected users); a
        term needs 2 members (1 in a segment of fewer than 10 with text) and :data:`MIN_WORD_LIFT` times the rest's
        rate."""
        found = self._terms
        if found is None or segment < 0 or not self.people.texts[row]:
            return []
        (presence, terms), seg_users, users_all, with_text, texts_all = found
        k = int(np.searchsorted(self.people.centres[0], segment))
        cols = presence[row].indices
        users = seg_users[k, cols].toarray().ravel()
        share = users / max(with_text[k], 1.0)
        share_rest = (users_all[cols] - users) / max(texts_all - with_text[k], 1.0)
        scores = share * np.log((users + 1) / (share_rest * with_text[k] + 1))
        min_users = 2 if with_text[k] >= 10 else 1
        picked: list[dict] = []
        tokens: set[str] = set()
        for j in np.argsort(-scores, kind="stable"):
            term = str(terms[cols[j]])
            if len(picked) >= N_WORDS or scores[j] <= 0:
                break
            if users[j] < min_users or share[j] < MIN_WORD_LIFT * share_rest[j] or set(term.split()) & tokens:
                continue
            picked.append({"term": term, "column": int(cols[j]), "share": round(float(share[j]), 4),
                           "share_all": round(float(users_all[cols[j]] / max(texts_all, 1.0)), 4)})
            tokens |= set(term.split())
        return picked

    def term_shares(self, columns: list[int], segment: int) -> list[float]:
        """The share of ``segment``'s members (with text) using each term column."""
        found = self._terms
        if found is None or segment < 0 or not columns:
            return [0.0] * len(columns)
        _, seg_users, _, with_text, _ = found
        k = int(np.searchsorted(self.people.centres[0], segment))
        return [round(float(v), 4) for v in seg_users[k, columns].toarray().ravel() / max(with_text[k], 1.0)]

    # -- one customer ----------------------------------------------------------------------------------
    def explain(self, row: int, n_similar: int = N_SIMILAR) -> dict:
        """The explanation of the customer at ``row`` (see the module docstring for its fields)."""
        people = self.people
        ids, centres = people.centres
        x = people.features[row].astype(np.float64)
        own = int(people.labels[row])
        runner_up, margin = runner_up_margin(x[None, :], np.array([own]), ids, centres)
        other = int(runner_up[0])
        if other < 0:  # a single segment, or none: nothing to compare with
            terms, compared = np.zeros_like(x), own
        elif own >= 0:
            o, r = centres[np.searchsorted(ids, own)], centres[np.searchsorted(ids, other)]
            terms, compared = (o - r) * (2 * x - o - r), own
        else:  # unassigned: how far from the nearest segment on each column
            terms, compared = (x - centres[np.searchsorted(ids, other)]) ** 2, other
        contributions = [(source, float(terms[source.start:source.end].sum())) for source in people.sources]
        contributions.sort(key=lambda pair: -pair[1])
        reasons = [self._reason(row, source, value, compared, other, assigned=own >= 0)
                   for source, value in contributions[:MAX_REASONS]] if compared >= 0 else []
        return {
            "id": str(people.ids[row]), "segment_id": own, "segment_name": people.name(own),
            "membership": round(float(people.membership[row]), 4),
            "runner_up": other if other >= 0 else None, "runner_up_name": people.name(other) if other >= 0 else None,
            "margin": None if np.isnan(margin[0]) else round(float(margin[0]), 4),
            "distance_gap": round(float(terms.sum()), 6),
            "reasons": reasons,
            "similar_members": self.similar_members(row, compared, n_similar) if compared >= 0 else [],
        }

    def _reason(self, row: int, source: Source, contribution: float, segment: int, runner_up: int,
                assigned: bool) -> dict:
        whose = "this segment's" if assigned else "the nearest segment's"
        column = source.column
        reason: dict = {"column": column, "kind": source.kind, "contribution": round(contribution, 6)}
        if source.kind in ("numeric", "date"):
            value = self.people.values[column].iloc[row]
            value = None if pd.isna(value) else value
            seg, everyone = self.median(column, segment), self.median(column, EVERYONE)
            other = self.median(column, runner_up) if runner_up >= 0 else None
            reason.update(value=_plain(value), segment_value=_plain(seg), everyone_value=_plain(everyone),
                          runner_up_value=_plain(other),
                          sentence=f"{column} {_number(value)} — {whose} median is {_number(seg)}, "
                                   f"everyone's {_number(everyone)}")
        elif source.kind == "categorical":
            value = self.people.values[column].iloc[row]
            value = None if pd.isna(value) else str(value)
            seg, everyone = self.share(column, segment, value), self.share(column, EVERYONE, value)
            other = self.share(column, runner_up, value) if runner_up >= 0 else None
            shown = value if value is not None else "missing"
            where = "of this segment" if assigned else "of the nearest segment"
            reason.update(value=value, segment_value=round(seg, 4), everyone_value=round(everyone, 4),
                          runner_up_value=None if other is None else round(other, 4),
                          sentence=f"{column} {shown} — {seg:.0%} {where}, {everyone:.0%} of everyone")
        elif source.kind == "text":
            reason.update(self._text_reason(row, column, segment, runner_up, assigned))
        else:
            toward = ("part of the distance to the nearest segment's average" if not assigned
                      else "closer to this segment's average than to the runner-up's" if contribution > 0
                      else "closer to the runner-up's average than to this segment's")
            reason.update(value=None, segment_value=None, everyone_value=None, runner_up_value=None,
                          sentence=f"{column}: {toward}")
        return reason

    def _text_reason(self, row: int, column: str, segment: int, runner_up: int, assigned: bool) -> dict:
        words = self.distinctive_words(row, segment)
        reason: dict = {"value": [w["term"] for w in words], "segment_value": [w["share"] for w in words],
                        "everyone_value": [w["share_all"] for w in words],
                        "runner_up_value": self.term_shares([w["column"] for w in words], runner_up)}
        if not self.people.texts[row]:
            reason["sentence"] = f"{column}: no text (placed by the other columns)"
        elif not assigned:
            shared = f" (its words they use: {', '.join(f'“{w}”' for w in reason['value'])})" if words else ""
            reason["sentence"] = f"{column}: far from the nearest segment's texts{shared}"
        elif not words:
            reason["sentence"] = f"{column}: none of their words is distinctive for this segment"
        else:
            quoted = ", ".join(f"“{w['term']}”" for w in words)
            inside = ", ".join(f"{w['share']:.0%}" for w in words)
            everyone = ", ".join(f"{w['share_all']:.0%}" for w in words)
            reason["sentence"] = f"{column}: {quoted} — used by {inside} of this segment, {everyone} of everyone"
        return reason

    def similar_members(self, row: int, segment: int, n: int = N_SIMILAR) -> list[dict]:
        """The members of ``segment`` nearest to the customer in feature space (the customer left out)."""
        members = np.where(self.people.labels == segment)[0]
        members = members[members != row]
        if not len(members):
            return []
        d = squared_distances(self.people.features[members], self.people.features[row][None, :].astype(np.float64))
        order = members[np.argsort(d[:, 0], kind="stable")[:n]]
        distance = np.sqrt(np.sort(d[:, 0], kind="stable")[:n])
        return [{"id": str(self.people.ids[i]), "distance": round(float(dist), 4),
                 "text": " ".join(self.people.texts[i].split())[:SIMILAR_TEXT_CHARS]}
                for i, dist in zip(order, distance, strict=True)]


def explain_rows(people: SegmentedCustomers, rows: list[int] | np.ndarray, n_similar: int = N_SIMILAR,
                 stages: StageCache | None = None) -> list[dict]:
    """One explanation per row of ``people`` (see :class:`Explainer`), in the order given."""
    explainer = Explainer(people, stages)
    return [explainer.explain(int(r), n_similar) for r in rows]
