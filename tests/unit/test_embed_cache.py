import numpy as np
import pytest

from core.errors import ModelError, ParameterError
from core.ingest.language import cjk_share
from core.represent.embedders import EmbedderChoice
from core.represent.embedders.lexical import LexicalEmbedder
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder
from core.represent.embedding_cache import EmbeddingCache
from core.represent.text import choose_embedder
from core.storage.hashing import array_hash, stable_hash
from core.storage.stage_cache import StageCache
from core.testing.fake_embedder import FakeEmbedder


def test_fake_embedder_is_deterministic_and_normalised():
    a = FakeEmbedder().encode(["red dress", "red dress", "blue jeans"])
    assert np.allclose(a[0], a[1])
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert a[0] @ a[2] < 0.99


def test_lexical_embedder_reads_chinese():
    texts = ["这条裙子很漂亮", "裙子太小了", "牛仔裤很舒服", "牛仔裤的腰很合适"] * 5
    vectors = LexicalEmbedder(dim=8).encode(texts)
    assert vectors.shape == (20, 8)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_lexical_dim_is_validated():
    with pytest.raises(ParameterError):
        LexicalEmbedder(dim=1)


def test_chinese_text_switches_to_multilingual_with_notice():
    embedder, notices = choose_embedder(["这条裙子很漂亮"] * 3, EmbedderChoice())
    assert embedder.name == "multilingual" and "multilingual" in notices[0]
    assert cjk_share(["hello world"]) == 0


def test_unknown_embedder_and_device_are_refused():
    with pytest.raises(ParameterError):
        choose_embedder(["x"], EmbedderChoice(embedder="magic"))
    with pytest.raises(ParameterError):
        SentenceTransformerEmbedder(device="tpu")


@pytest.mark.slow
def test_unloadable_model_raises_model_error(tmp_path):
    with pytest.raises(ModelError, match="could not be loaded"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"), device="cpu").encode(["hi"])


def test_embedding_cache_serves_seen_texts(tmp_path):
    cache, fake = EmbeddingCache(tmp_path), FakeEmbedder()
    first, cached = cache.embed(fake, ["a b", "c d", "a b"])
    assert cached == 0 and fake.calls == 2  # duplicates embedded once
    texts = ["c d", "a b", "e f", "a b", "e f"]
    second, cached = EmbeddingCache(tmp_path).embed(fake, texts)
    assert cached == 3 and fake.calls == 3  # "e f" embedded once though it appears twice
    assert np.allclose(second[1], first[0])
    assert np.allclose(second, FakeEmbedder().encode(texts))  # every row in its text's place


def test_stage_cache_round_trip(tmp_path):
    stages = StageCache(tmp_path)
    assert stages.get("reduce", "k1") is None
    stages.put("reduce", "k1", {"coords": np.arange(6.0).reshape(3, 2)}, {"note": "x"})
    arrays, meta = stages.get("reduce", "k1")
    assert arrays["coords"].shape == (3, 2) and meta["note"] == "x"
    assert not list((tmp_path / "stages" / "reduce").glob(".*"))  # no temporary leftovers


def test_json_results_are_computed_once_and_read_back_the_same_way(tmp_path):
    stages, calls = StageCache(tmp_path), []

    def compute():
        calls.append(1)
        return {"segments": {0: 1.5}}

    first, hit = stages.json_result("profile", "k", compute)
    assert first == {"segments": {"0": 1.5}} and not hit  # as it reads back: JSON keys are text
    again, hit = StageCache(tmp_path).json_result("profile", "k", compute)
    assert again == first and hit and calls == [1]


def test_hashes_are_stable_and_sensitive():
    assert stable_hash({"a": 1, "b": 2}) == stable_hash({"b": 2, "a": 1})
    assert stable_hash(1) != stable_hash(2)
    x = np.zeros(3, dtype=np.float32)
    assert array_hash(x) != array_hash(x.astype(np.float64))


def test_atomic_folder_keeps_an_existing_folder_unless_told_to_replace_it(tmp_path):
    from core.storage.atomic import atomic_folder

    folder = tmp_path / "model"
    atomic_folder(folder, lambda tmp: (tmp / "v").write_text("1"))
    atomic_folder(folder, lambda tmp: (tmp / "v").write_text("2"))
    assert (folder / "v").read_text() == "1"
    atomic_folder(folder, lambda tmp: (tmp / "v").write_text("3"), replace=True)
    assert (folder / "v").read_text() == "3" and [p.name for p in tmp_path.iterdir()] == ["model"]
