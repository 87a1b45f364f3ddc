"""Search with the real multilingual model on 1,200 planted Chinese reviews of ten categories, segmented with the
default embedder choice: each category's name, in Chinese and in English, finds that category's reviews."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.testing.chinese_reviews import ENGLISH_NAMES, chinese_reviews


@pytest.mark.slow
def test_category_names_find_their_reviews_in_both_languages(tmp_path, capsys):
    frame = chinese_reviews(per_category=120, seed=0)
    frame[["id", "review"]].to_csv(tmp_path / "zh.csv", index=False)
    ws, run = tmp_path / "ws", tmp_path / "run"
    assert main(["segment", str(tmp_path / "zh.csv"), "--out", str(run), "--workspace", str(ws), "--algo", "kmeans",
                 "--k", "10", "--seed", "1"]) == 0, capsys.readouterr().err
    precision: dict[str, list[float]] = {"Chinese": [], "English": []}
    for name, english in ENGLISH_NAMES.items():
        for language, query in (("Chinese", name), ("English", english)):
            out = tmp_path / f"found-{len(precision[language])}-{language}"
            assert main(["search", str(run), query, "--top", "50", "--out", str(out), "--workspace", str(ws)]) == 0
            ids = pd.read_csv(out / "matches.csv", encoding="utf-8-sig")["id"].astype(str)
            precision[language].append(float(ids.str.startswith(f"{name}-").mean()))
    assert np.mean(precision["Chinese"]) >= 0.85, precision
    assert np.mean(precision["English"]) >= 0.80, precision
