"""Lookalike scoring on the three planted groups: seeds of one group find that group; the audience never holds a
seed; sizes, thresholds and the curve agree."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import ParameterError
from core.explain.lookalike import (
    METHODS,
    LookalikeParams,
    audience_frame,
    audience_rows,
    eligible_rows,
    lookalike_scores,
    size_curve,
)
from core.runs.opened import open_run


@pytest.fixture(scope="module")
def people(planted_run):
    return open_run(planted_run.run_id, planted_run.workspace)


def _seeds(truth: np.ndarray, group: int, n: int = 30, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).choice(np.flatnonzero(truth == group), n, replace=False)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("group", [0, 1, 2])
def test_lookalikes_of_one_groups_seeds_come_from_that_group(people, planted_run, method, group):
    """Must-show: a 150-customer audience from 30 seeds of one group is at least 90% that group."""
    truth = planted_run.data.truth
    seeds = _seeds(truth, group)
    scores = lookalike_scores(people.features, seeds, LookalikeParams(method=method))
    rows = audience_rows(scores, eligible_rows(len(scores), seeds, people.labels), size=150)
    assert len(rows) == 150 and not set(rows) & set(seeds)
    assert (truth[rows] == group).mean() >= 0.9


def test_logistic_follows_seeds_from_two_groups(people, planted_run):
    """The centroid of seeds from two groups leans to the tighter group; the classifier finds both."""
    truth = planted_run.data.truth
    seeds = np.concatenate([_seeds(truth, 0, 15), _seeds(truth, 2, 15)])
    found = {}
    for method in ("logistic", "centroid"):
        scores = lookalike_scores(people.features, seeds, LookalikeParams(method=method))
        found[method] = truth[audience_rows(scores, eligible_rows(len(scores), seeds, people.labels), size=150)]
    assert (found["logistic"] == 0).mean() >= 0.3 and (found["logistic"] == 2).mean() >= 0.3
    assert np.isin(found["logistic"], [0, 2, 3]).mean() >= 0.9
    assert min((found["centroid"] == g).mean() for g in (0, 2)) < 0.2


def test_audience_sizes_thresholds_exclusions_and_curve_agree(people, planted_run):
    truth = planted_run.data.truth
    seeds = _seeds(truth, 1)
    scores = lookalike_scores(people.features, seeds, LookalikeParams())
    eligible = eligible_rows(len(scores), seeds, people.labels, exclude_segments=(int(people.labels[seeds[0]]),))
    assert not eligible[seeds].any() and not eligible[people.labels == people.labels[seeds[0]]].any()
    everyone = audience_rows(scores, eligible, min_similarity=-1.0)
    assert len(everyone) == eligible.sum() and (np.diff(scores[everyone]) <= 0).all()
    curve = size_curve(scores, eligible)
    assert curve["audience_size"].is_monotonic_increasing and curve["min_similarity"].is_monotonic_decreasing
    for threshold, size in curve.iloc[::10].itertuples(index=False):
        assert len(audience_rows(scores, eligible, min_similarity=threshold)) == size
    top = audience_rows(scores, eligible, size=25, min_similarity=float(curve["min_similarity"].iloc[50]))
    assert len(top) == min(25, curve["audience_size"].iloc[50])
    assert len(audience_rows(scores, eligible)) == min(1000, int(eligible.sum()))
    frame = audience_frame(top, scores, people.ids, people.labels)
    assert list(frame.columns) == ["id", "rank", "score", "segment_id"] and frame["rank"].tolist() == list(range(1, 26))


def test_seed_lists_that_leave_nothing_to_score_are_refused(people):
    with pytest.raises(ParameterError, match="no seed"):
        lookalike_scores(people.features, np.array([], dtype=int), LookalikeParams())
    with pytest.raises(ParameterError, match="Every customer is a seed"):
        lookalike_scores(people.features, np.arange(len(people.ids)), LookalikeParams())
    with pytest.raises(ParameterError, match="lookalike scoring must be one of"):
        lookalike_scores(people.features, np.array([0]), LookalikeParams(method="magic"))
