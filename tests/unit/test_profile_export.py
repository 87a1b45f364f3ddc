import io
import json

import numpy as np
import pandas as pd

from core.explain.profile import distinctive_terms, profile_segments
from core.ingest.roles import resolve_roles
from core.represent.features import prepare_customers
from core.runs.export import csv_bytes, json_text, neutralise_formula, write_outputs
from core.segment.quality import segmentation_quality as quality
from tests.conftest import PLANTED_WORDS


def _planted(planted_frame):
    customers = prepare_customers(planted_frame, resolve_roles(planted_frame))
    labels = customers.frame["id"].str.slice(1, 2).astype(int).to_numpy()
    points = np.eye(3)[labels] + np.random.default_rng(0).normal(0, 0.01, (len(labels), 3))
    return customers, labels, points


def test_profiles_rank_planted_traits_first(planted_frame):
    customers, labels, points = _planted(planted_frame)
    profiles = {p["segment_id"]: p for p in profile_segments(customers, labels, points)}
    for segment, words in PLANTED_WORDS.items():
        top = [w["term"] for w in profiles[segment]["words"][:5]]
        assert set(top) <= set(words), (segment, top)
    assert profiles[0]["numeric"][0]["column"] == "age" and profiles[0]["numeric"][0]["std_diff"] > 1.5
    assert profiles[1]["categories"][0]["value"] == "Dresses" and profiles[1]["categories"][0]["lift"] > 2
    band, words = profiles[0]["name"].split(" · ")[:2]
    assert band == "55+" and words.split(", ")[0] in PLANTED_WORDS[0]
    assert sum(p["share"] for p in profiles.values()) == 1.0
    assert len(profiles[2]["representatives"]) == 5


def test_chinese_distinctive_terms_are_not_empty():
    texts = ["裙子很漂亮", "漂亮的裙子", "牛仔裤舒服", "舒服的牛仔裤"]
    terms = distinctive_terms(texts, np.array([0, 0, 1, 1]))
    assert terms[0] and terms[1] and terms[0][0]["term"] != terms[1][0]["term"]


def test_quality_figures(planted_frame):
    _, labels, points = _planted(planted_frame)
    q = quality(points, labels)
    assert q["n_segments"] == 3 and q["silhouette"] > 0.9 and q["outlier_share"] == 0


def test_formula_cells_are_neutralised():
    assert neutralise_formula("=SUM(A1)") == "'=SUM(A1)"
    assert neutralise_formula("@cmd") == "'@cmd"
    assert neutralise_formula("fine") == "fine" and neutralise_formula(-3) == -3
    data = csv_bytes(pd.DataFrame({"id": ["=1+1", "ok"], "n": [1, 2]}))
    assert data.startswith("\ufeff".encode())
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["id"].tolist() == ["'=1+1", "ok"]


def test_json_is_strict(tmp_path):
    text = json_text({"a": float("nan"), "b": np.int64(3), "c": float("inf")})
    assert json.loads(text) == {"a": None, "b": 3, "c": None}
    paths = write_outputs(pd.DataFrame({"id": ["1"]}), [], {"x": 1}, tmp_path / "out")
    assert {p.name for p in paths.values()} == {"segments.csv", "profiles.json", "run.json"}
