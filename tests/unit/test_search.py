"""Search (core.search, core.tasks.search, ``python -m core search``, ``lookalike --query``) with the fake embedder
on the planted groups: terms and close forms, BM25, the cached index, the hybrid ranking, snippets, the lit map and
one sentence for each bad input, with nothing written."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.errors import InputError
from core.represent.embedders import EmbedderChoice
from core.search import index as search_index
from core.search.index import SearchIndex
from core.search.snippet import snippet
from core.search.tokens import stem, term_spans, terms
from core.search.words import build_word_index
from core.tasks.search import SearchableRun, open_searchable, search
from core.testing.planted import VOCABULARY
from ui.search_figures import MATCHES, lit_map

FAKE = EmbedderChoice(embedder="fake")


@pytest.fixture
def ws(planted_run, tmp_path):
    workspace = tmp_path / "ws"
    shutil.copytree(planted_run.workspace, workspace)
    return workspace


def _truth(planted_run, people) -> np.ndarray:
    by_id = dict(zip(planted_run.data.frame["customer_id"].astype(str), planted_run.data.truth))
    return np.array([by_id[i] for i in people.ids])


def test_close_forms_share_a_term_and_chinese_is_cut_into_words():
    assert {stem(w) for w in ("runs", "running", "run")} == {"run"}
    assert stem("fabrics") == stem("fabric") and stem("loved") == stem("love") and stem("dresses") == "dress"
    assert terms("It runs SMALL, the fabric is itchy!") == ["run", "small", "fabric", "itchy"]
    spans = term_spans("平板电池续航太短了")
    assert ("平板", 0, 2) in spans and all("平板电池续航太短了"[s:e] for _, s, e in spans)


def test_bm25_ranks_the_texts_with_the_rare_word_first_and_feedback_finds_their_words():
    texts = ["red dress", "blue dress", "red shoes and red hat", "green socks", ""]
    index = build_word_index(texts)
    scores = index.scores({"red": 1.0})
    assert scores[2] > scores[0] > 0 and scores[1] == scores[3] == scores[4] == 0
    assert index.scores({"dress": 1.0, "red": 1.0}).argmax() == 0
    assert set(index.feedback_terms(np.array([0, 1]), 2, 0.9)) == {"dress"}


def test_the_hybrid_search_finds_the_planted_group_and_marks_its_words(planted_run, ws):
    run = open_searchable(planted_run.run_id, ws)
    truth = _truth(planted_run, run.people)
    for group in range(3):
        query = " ".join(VOCABULARY[group][:2])
        result = search(run, query, 50)
        assert len(result.matches) == 50 and list(result.matches["rank"]) == list(range(1, 51))
        assert (truth[result.rows] == group).mean() >= 0.9, query
        assert result.matches["score"].is_monotonic_decreasing
        assert result.matches["snippet"].str.contains(r"\*\*").all()
        assert result.spread["matches"].sum() == 50
        assert list(result.matches["segment_id"]) == list(run.people.labels[result.rows])


def test_the_index_is_built_once_and_then_read_from_the_workspace(planted_run, ws, monkeypatch):
    texts = list(open_searchable(planted_run.run_id, ws).people.texts)
    first = SearchIndex(texts, FAKE, ws).query("denim jeans", 10)
    monkeypatch.setattr(search_index, "build_word_index", lambda _: pytest.fail("the words were indexed again"))
    monkeypatch.setattr(search_index.meaning, "text_matrix", lambda *_: pytest.fail("the texts were embedded again"))
    again = SearchIndex(texts, FAKE, ws).query("denim jeans", 10)
    assert list(again.rows) == list(first.rows) and np.allclose(again.scores, first.scores)


def test_snippets_mark_the_query_words_and_their_close_forms():
    text = "Lovely top. " * 20 + "It runs small and the fabric felt itchy."
    out = snippet(text, set(terms("running small")))
    assert "**runs** **small**" in out and out.startswith("…") and len(out) < len(text)
    assert snippet("Nothing here", {"small"}) == "Nothing here"


@pytest.mark.parametrize("query, says", [("   ", "empty"), ("नमस्ते दुनिया", "Devanagari")])
def test_bad_queries_are_refused_in_one_sentence(planted_run, ws, query, says):
    with pytest.raises(InputError, match=says):
        search(open_searchable(planted_run.run_id, ws), query, 10)


def test_a_run_without_text_is_refused(planted_run, ws):
    run = open_searchable(planted_run.run_id, ws)
    silent = dataclasses.replace(run.people, texts=[""] * len(run.people.texts))
    with pytest.raises(InputError, match="no text"):
        search(SearchableRun(silent, SearchIndex(silent.texts, FAKE, ws)), "denim", 10)


def test_the_lit_map_greys_everyone_and_draws_the_matches_on_top():
    import plotly.graph_objects as go

    coords = np.random.default_rng(0).random((20, 2))
    base = go.Figure([go.Scattergl(x=coords[:, 0], y=coords[:, 1], customdata=np.arange(20),
                                   marker=dict(color="#2563eb"))])
    fig = lit_map(base, coords, np.array([3, 7]), ["a", "b"])
    assert fig.data[0].marker.color != "#2563eb" and len(fig.data[0].x) == 20
    assert fig.data[-1].name == f"{MATCHES} (2)" and list(fig.data[-1].customdata) == [3, 7]
    assert base.data[0].marker.color == "#2563eb"


def test_cli_writes_matches_and_refuses_bad_input_without_writing(planted_run, ws, tmp_path, capsys):
    out = tmp_path / "found"
    code = main(["search", planted_run.run_id, "skinny jeans", "--top", "20", "--out", str(out), "--workspace",
                 str(ws)])
    assert code == 0, capsys.readouterr().err
    matches = pd.read_csv(out / "matches.csv", encoding="utf-8-sig")
    assert list(matches.columns) == ["id", "rank", "score", "segment_id", "segment_name", "snippet"]
    assert len(matches) == 20 and matches["id"].str.startswith("g2").mean() >= 0.9
    for query in ("", "שלום עולם"):
        code = main(["search", planted_run.run_id, query, "--out", str(tmp_path / "bad"), "--workspace", str(ws)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and err[0].startswith("error: ")
        assert not (tmp_path / "bad").exists()


def test_lookalike_from_a_description_seeds_from_the_best_matches(planted_run, ws, tmp_path, capsys):
    code = main(["lookalike", planted_run.run_id, "--query", "skinny jeans denim", "--size", "100", "--out",
                 str(tmp_path / "aud"), "--workspace", str(ws)])
    assert code == 0, capsys.readouterr().err
    audience = pd.read_csv(tmp_path / "aud" / "audience.csv", encoding="utf-8-sig")
    assert len(audience) == 100 and audience["id"].str.startswith("g2").mean() >= 0.8
    seeds = search(open_searchable(planted_run.run_id, ws), "skinny jeans denim", 50).matches["id"]
    assert not set(seeds) & set(audience["id"])
