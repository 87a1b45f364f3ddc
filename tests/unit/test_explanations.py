"""Explanations on the three planted groups (core.testing.planted): planted traits first, the planted runner-up,
smaller margins between groups, an exact attribution, and the values and words behind each reason."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from core.explain.explanations import Explainer, explain_rows
from core.runs.opened import open_run
from core.testing.planted import BETWEEN, FILLER, NEAREST_GROUP, PLANTED_TRAITS


@pytest.fixture(scope="module")
def people(planted_run):
    return open_run(planted_run.run_id, planted_run.workspace)


def _segment_of_group(people, truth: np.ndarray) -> dict[int, int]:
    return {g: int(pd.Series(people.labels[truth == g]).mode()[0]) for g in range(3)}


@pytest.mark.parametrize("group", [0, 1, 2])
def test_planted_traits_lead_the_reasons(people, planted_run, group):
    """Must-show: of 20 customers of a group, at least 16 have a planted trait among their top three reasons
    (and, stricter, as their first)."""
    rows = np.flatnonzero(planted_run.data.truth == group)[:20]
    explanations = explain_rows(people, rows)
    in_top_three = sum(any(r["column"] in PLANTED_TRAITS for r in e["reasons"][:3]) for e in explanations)
    first = sum(e["reasons"][0]["column"] in PLANTED_TRAITS for e in explanations)
    assert in_top_three >= 16 and first >= 16, (in_top_three, first)


def test_runner_up_is_the_planted_nearest_group(people, planted_run):
    truth = planted_run.data.truth
    segment = _segment_of_group(people, truth)
    frame = planted_run.result.segments_frame()
    for group, nearest in NEAREST_GROUP.items():
        members = truth == group
        assert (frame["runner_up"][members] == segment[nearest]).mean() >= 0.8
        explained = explain_rows(people, np.flatnonzero(members)[:10])
        assert sum(e["runner_up"] == segment[nearest] for e in explained) >= 8


def test_margins_are_smaller_between_two_groups(planted_run):
    frame = planted_run.result.segments_frame()
    truth = planted_run.data.truth
    between = frame["margin"][truth == BETWEEN].median()
    members = frame["margin"][np.isin(truth, [0, 1])].median()
    assert between < 0.6 * members
    assert frame["margin"].between(-1, 1).all() and (frame["runner_up"] != frame["segment_id"]).all()


def test_contributions_add_up_to_the_gap_between_the_centres(people, planted_run):
    ids, centres = people.centres
    frame = planted_run.result.segments_frame()
    for row in (0, 7, 99):
        found = explain_rows(people, [row])[0]
        x = people.features[row].astype(float)
        own, other = centres[list(ids).index(found["segment_id"])], centres[list(ids).index(found["runner_up"])]
        gap = ((x - other) ** 2).sum() - ((x - own) ** 2).sum()
        assert sum(r["contribution"] for r in found["reasons"]) == pytest.approx(gap, abs=1e-4)
        assert found["distance_gap"] == pytest.approx(gap, abs=1e-5)
        assert len(found["reasons"]) == len(people.sources) == 7
        contributions = [r["contribution"] for r in found["reasons"]]
        assert contributions == sorted(contributions, reverse=True)
        assert found["margin"] == pytest.approx(frame["margin"].iloc[row], abs=1e-4)
        assert found["runner_up"] == frame["runner_up"].iloc[row]


def test_numbers_and_categories_are_stated_against_the_segment_and_everyone(people, planted_run):
    frame = planted_run.data.frame
    row = int(np.flatnonzero(planted_run.data.truth == 2)[0])
    found = explain_rows(people, [row])[0]
    reasons = {r["column"]: r for r in found["reasons"]}
    members = people.labels == found["segment_id"]
    age = reasons["age"]
    assert age["value"] == frame["age"].iloc[row]
    assert age["segment_value"] == frame["age"][members].median() and age["everyone_value"] == frame["age"].median()
    assert age["sentence"] == (f"age {frame['age'].iloc[row]} — this segment's median is "
                               f"{frame['age'][members].median():.0f}, everyone's {frame['age'].median():.0f}")
    department = reasons["department"]
    value = frame["department"].iloc[row]
    assert department["value"] == value
    assert department["segment_value"] == pytest.approx((frame["department"][members] == value).mean(), abs=1e-4)
    assert department["everyone_value"] == pytest.approx((frame["department"] == value).mean(), abs=1e-4)
    assert re.fullmatch(rf"department {value} — \d+% of this segment, \d+% of everyone", department["sentence"])


def test_text_reasons_are_the_customers_own_distinctive_words(people, planted_run):
    rows = np.flatnonzero(planted_run.data.truth == 1)[:10]
    for found, row in zip(explain_rows(people, rows), rows, strict=True):
        text = next(r for r in found["reasons"] if r["kind"] == "text")
        words = set(people.texts[row].split())
        assert text["value"] and all(set(term.split()) <= words for term in text["value"])
        assert all(s >= 1.25 * e for s, e in zip(text["segment_value"], text["everyone_value"], strict=True))
        assert not set(text["value"]) & set(FILLER) and f"“{text['value'][0]}”" in text["sentence"]


def test_similar_members_are_the_nearest_of_the_same_segment(people):
    found = Explainer(people).explain(3, n_similar=4)
    ids = list(people.ids)
    rows = [ids.index(m["id"]) for m in found["similar_members"]]
    assert len(rows) == 4 and 3 not in rows
    assert all(people.labels[r] == found["segment_id"] for r in rows)
    distances = [m["distance"] for m in found["similar_members"]]
    members = np.flatnonzero((people.labels == found["segment_id"]) & (np.arange(len(ids)) != 3))
    nearest = np.sort(np.linalg.norm(people.features[members] - people.features[3], axis=1))[:4]
    assert distances == sorted(distances) and np.allclose(distances, nearest, atol=1e-3)


def test_an_unassigned_customer_is_compared_with_the_nearest_segment(people, planted_run):
    rows = [int(np.flatnonzero(planted_run.data.truth == g)[0]) for g in range(3)]  # one of each group
    labels = people.labels.copy()
    labels[rows] = -1
    unassigned = replace(people, labels=labels)
    ids, centres = unassigned.centres
    for found, row in zip(explain_rows(unassigned, rows), rows, strict=True):
        distances = ((centres - people.features[row]) ** 2).sum(axis=1)
        assert found["segment_id"] == -1 and found["segment_name"] == "Unassigned" and found["margin"] is None
        assert found["runner_up"] == ids[distances.argmin()] == people.labels[row]
        assert all(r["contribution"] >= 0 for r in found["reasons"])
        assert sum(r["contribution"] for r in found["reasons"]) == pytest.approx(distances.min(), abs=1e-4)
        assert "the nearest segment" in " ".join(r["sentence"] for r in found["reasons"])
        assert all(unassigned.labels[list(people.ids).index(m["id"])] == found["runner_up"]
                   for m in found["similar_members"])
