"""Profiles: planted traits ranked first and named; corrected significance holds its error rate."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control

from core.explain.profile import (
    ALPHA,
    benjamini_hochberg,
    distinctive_words_and_phrases,
    numeric_label,
    profile_segments,
)
from core.ingest.roles import resolve_roles
from core.represent.features import Customers, prepare_customers
from tests.conftest import PLANTED_WORDS, planted_customers


def _planted(n_per_group: int = 40, seed: int = 0):
    frame = planted_customers(n_per_group, seed)
    customers = prepare_customers(frame, resolve_roles(frame))
    labels = customers.frame["id"].str.slice(1, 2).astype(int).to_numpy()
    points = np.eye(3)[labels] + np.random.default_rng(seed).normal(0, 0.01, (len(labels), 3))
    return customers, labels, points


def test_planted_traits_come_first_and_name_the_segment():
    customers, labels, points = _planted()
    profiles = {p["segment_id"]: p for p in profile_segments(customers, labels, points)}
    older, dresses, denim = profiles[0], profiles[1], profiles[2]
    assert older["numeric"][0]["column"] == "age" and older["numeric"][0]["std_diff"] > 1.5
    assert older["numeric"][0]["significant"] and older["numeric"][0]["q_value"] < 1e-6
    assert dresses["numeric"][0]["column"] == "spend" and dresses["numeric"][0]["std_diff"] > 1.5
    assert dresses["categories"][0]["value"] == "Dresses" and dresses["categories"][0]["significant"]
    assert denim["categories"][0]["value"] == "Jeans" and denim["categories"][0]["share"] > 0.8
    for segment, words in PLANTED_WORDS.items():
        assert {w["term"] for w in profiles[segment]["words"][:5]} <= set(words)
        assert all(w["share"] > w["share_rest"] for w in profiles[segment]["words"])
    band, words = older["name"].split(" · ")[:2]
    assert band == "55+" and set(words.split(", ")) <= set(PLANTED_WORDS[0])
    assert dresses["name"].endswith("· Dresses") and denim["name"].startswith("under 30") and "Jeans" in denim["name"]
    assert older["auto_name"] == older["name"] and "renamed" not in older


def test_ranking_is_by_effect_size():
    customers, labels, points = _planted()
    for profile in profile_segments(customers, labels, points):
        d = [abs(n["std_diff"]) for n in profile["numeric"]]
        h = [c["effect"] for c in profile["categories"]]
        assert d == sorted(d, reverse=True) and h == sorted(h, reverse=True) and min(h, default=1) > 0


def test_analyst_names_survive_reprofiling():
    customers, labels, points = _planted()
    profiles = profile_segments(customers, labels, points, names={2: "Denim kids"})
    assert profiles[2]["name"] == "Denim kids" and profiles[2]["renamed"] and profiles[2]["auto_name"] != "Denim kids"


def _null_customers(n: int, rng: np.random.Generator) -> Customers:
    frame = pd.DataFrame({
        "id": pd.array([str(i) for i in range(n)], dtype="string"),
        "normal": rng.normal(50, 10, n),
        "skewed": rng.exponential(100, n),
        "rating": rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.05, 0.15, 0.3, 0.45]).astype(float),
        "channel": pd.array(rng.choice(["web", "store", "phone"], n, p=[0.6, 0.3, 0.1]), dtype="string"),
        "region": pd.array(rng.choice(list("ABCDEFGH"), n), dtype="string"),
    })
    roles = {"normal": "numeric", "skewed": "numeric", "rating": "numeric", "channel": "categorical",
             "region": "categorical"}
    return Customers(frame, roles, [""] * n)


@pytest.mark.slow
def test_random_labels_are_not_flagged_more_often_than_the_error_rate():
    """Benjamini–Hochberg at 5 % keeps the chance of any false flag under the null at about 5 %."""
    rng = np.random.default_rng(7)
    customers = _null_customers(400, rng)
    points = rng.normal(size=(400, 2))
    labelings, any_flag, tests, flags = 150, 0, 0, 0
    for _ in range(labelings):
        labels = rng.integers(0, 4, 400)
        rows = [r for p in profile_segments(customers, labels, points) for r in p["numeric"] + p["categories"]]
        significant = sum(r["significant"] for r in rows)
        any_flag += significant > 0
        tests, flags = tests + len(rows), flags + significant
    bound = ALPHA + 3 * np.sqrt(ALPHA * (1 - ALPHA) / labelings)
    assert any_flag / labelings <= bound, (any_flag, labelings)
    assert flags / tests <= ALPHA


def test_the_test_has_power_on_a_real_difference():
    rng = np.random.default_rng(1)
    customers = _null_customers(400, rng)
    labels = rng.integers(0, 4, 400)
    customers.frame.loc[labels == 1, "normal"] += 6  # a shift of 0.6 standard deviations
    profiles = {p["segment_id"]: p for p in profile_segments(customers, labels, rng.normal(size=(400, 2)))}
    top = profiles[1]["numeric"][0]
    assert top["column"] == "normal" and top["significant"]


def test_benjamini_hochberg_matches_scipy():
    p = np.random.default_rng(0).uniform(size=50) ** 2
    assert np.allclose(benjamini_hochberg(p), false_discovery_control(p))
    assert benjamini_hochberg(np.array([])).size == 0


def test_chinese_terms_are_character_ngrams():
    texts = ["裙子很漂亮", "漂亮的裙子", "牛仔裤舒服", "舒服的牛仔裤"]
    terms = distinctive_words_and_phrases(texts, np.array([0, 0, 1, 1]))
    words0 = {w["term"] for w in terms[0]["words"]}
    words1 = {w["term"] for w in terms[1]["words"]}
    assert {"裙子", "漂亮"} <= words0 and {"舒服"} <= words1 and not words0 & words1
    assert not any(w.startswith("的") or w.endswith("的") for w in words0 | words1)


@pytest.mark.parametrize("texts", [
    ["the and it", "is was the", "great fit", "great fabric"],
    ["42", "7 8 9", "great fit", "great fabric"],
    ["!!!", "?", "great fit", "great fabric"],
])
def test_words_are_never_empty_when_a_segment_has_text(texts):
    terms = distinctive_words_and_phrases(texts, np.array([0, 0, 1, 1]))
    assert terms[0]["words"] and terms[1]["words"]


def test_english_phrases_keep_inner_stop_words():
    texts = ["runs true to size", "true to size and soft", "fits true to size", "too big", "way too big", "big"]
    phrases = {p["term"] for p in distinctive_words_and_phrases(texts, np.array([0, 0, 0, 1, 1, 1]))[0]["phrases"]}
    assert "true to size" in phrases


@pytest.mark.parametrize("column,inside,everyone,up,expected", [
    ("Age", [56, 60, 64, 70], np.arange(20, 80), True, "55+"),
    ("customer_age", [21, 23, 25, 27], np.arange(20, 80), False, "under 30"),
    ("Age", [40, 42, 44, 46], np.arange(20, 80), True, "age 40–45"),
    ("Rating", [1, 2, 2, 3], [1, 2, 3, 4, 5] * 12, False, "Rating 1–2"),
    ("Recommended", [0, 0, 0, 1], [0, 1] * 30, False, "Recommended: 25% vs 50%"),
    ("spend", [900.5, 950.2, 990.1, 1000.7], np.linspace(0, 1000, 60), True, "high spend"),
])
def test_numeric_labels_read_like_an_analyst(column, inside, everyone, up, expected):
    values = np.concatenate([np.asarray(inside, float), np.asarray(everyone, float)])
    mask = np.arange(len(values)) < len(inside)
    assert numeric_label({"column": column, "std_diff": 1.0 if up else -1.0}, values, mask) == expected


@pytest.mark.slow
def test_profiles_are_identical_across_processes(tmp_path):
    """Ties between words must not depend on Python's per-process hash seed."""
    import subprocess
    import sys

    code = ("import json,numpy as np;from core.explain.profile import distinctive_terms;"
            "t=['fits short a','short fits b','fits short c','long tall d','tall long e','long tall f'];"
            "print(json.dumps(distinctive_terms(t,np.array([0,0,0,1,1,1]))))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(4)}
    assert len(outs) == 1
