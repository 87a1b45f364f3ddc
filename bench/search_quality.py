"""Search quality: precision at 50 of the hybrid search against the bare embedder's nearest neighbours.

* Chinese: 1,200 planted product reviews of ten categories (``core.testing.chinese_reviews``), each category's
  name searched in Chinese and in English; a match is relevant when it is a review of that category.
* English: the 3,000 clothing reviews, queries judged by a regular expression stated beside each (a match is
  relevant when its text matches it); nothing was tuned on these judgements.

``--seed`` picks the planted draw: the constants of ``core.search.index`` were tuned on seed 1; the section
reports seed 0. Usage: ``python -m bench.search_quality [--workspace DIR] [--write]``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import DEMO, TEXT_COL, WORK
from bench.report import write_section
from core.represent.embedders import EmbedderChoice
from core.search import meaning
from core.search.index import SearchIndex
from core.testing.chinese_reviews import ENGLISH_NAMES, chinese_reviews

TOP = 50
CLOTHING = {  # query: what makes a review relevant to it (case-insensitive regular expression)
    "runs small": r"runs? (?:\w+ ){0,2}small|too small|too tight|size up|sized up|one size up|a size up",
    "itchy fabric": r"itch|scratch",
    "see-through": r"see[- ]?through|sheer|transparent",
    "too long for petite": r"too long|petite",
    "poor quality": r"cheap|poor quality|poorly made|fell apart|unravel|holes?\b|ripped|tore|pilling|pilled",
}
EASY = ("The planted draws are easy for the bare model (it reaches 0.98–1.00 here; the issue quotes 0.73 and 0.77 "
        "for its held-out set), so they show that the hybrid keeps what the model finds; the clothing reviews show "
        "where the words add to it.")


def precision(rows: np.ndarray, relevant: np.ndarray) -> float:
    return float(relevant[rows[:TOP]].mean())


def bare(index: SearchIndex, query: str) -> np.ndarray:
    """The bare model's nearest neighbours of the query (cosine only)."""
    embedder = meaning.build(meaning.query_embedder(query, index.run_embedder))
    scores = index.vectors(embedder) @ meaning.query_vector(embedder, query)
    return np.argsort(-scores, kind="stable")[:TOP]


def chinese(workspace: Path, seed: int, extra_generic: int) -> pd.DataFrame:
    frame = chinese_reviews(per_category=120, seed=seed, extra_generic=extra_generic)
    index = SearchIndex(frame["review"].tolist(), EmbedderChoice(embedder="multilingual"), workspace)
    rows = []
    for name, english in ENGLISH_NAMES.items():
        relevant = (frame["category"] == name).to_numpy()
        for language, query in (("Chinese", name), ("English", english)):
            rows.append({"set": f"Chinese reviews, {1 + extra_generic}–{2 + extra_generic} shopper sentences",
                         "language": language, "query": query,
                         "hybrid": precision(index.query(query, TOP).rows, relevant),
                         "bare": precision(bare(index, query), relevant)})
    return pd.DataFrame(rows)


def clothing(workspace: Path) -> pd.DataFrame:
    texts = pd.read_csv(DEMO, usecols=[TEXT_COL])[TEXT_COL].fillna("").astype(str).tolist()
    index = SearchIndex(texts, EmbedderChoice(embedder="model"), workspace)
    rows = []
    for query, pattern in CLOTHING.items():
        relevant = np.array([bool(re.search(pattern, t, re.IGNORECASE)) for t in texts])
        rows.append({"set": "clothing reviews", "language": "English", "query": query,
                     "hybrid": precision(index.query(query, TOP).rows, relevant),
                     "bare": precision(bare(index, query), relevant), "judgement": pattern})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, default=WORK / "search-quality")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-clothing", action="store_true")
    parser.add_argument("--write", action="store_true", help="write the section of docs/BENCHMARKS.md")
    args = parser.parse_args()
    found = pd.concat([chinese(args.workspace, args.seed, extra) for extra in (0, 2)], ignore_index=True)
    if not args.skip_clothing:
        found = pd.concat([found, clothing(args.workspace)], ignore_index=True)
    pd.set_option("display.width", 200)
    print(found.drop(columns="judgement", errors="ignore").to_string(index=False))
    summary = found.groupby(["set", "language"], sort=False)[["hybrid", "bare"]].mean().round(3)
    print(summary)
    if args.write:
        table = "\n".join(f"| {s} | {lang} | {r.hybrid:.3f} | {r.bare:.3f} |" for (s, lang), r in summary.iterrows())
        escaped = {query: pattern.replace("|", "\\|") for query, pattern in CLOTHING.items()}  # pipes in a table
        judged = "\n".join(f"| `{query}` | `{pattern}` |" for query, pattern in escaped.items())
        write_section("search-quality", "Search quality", (
            f"`python -m bench.search_quality --write` (seed {args.seed}; the search constants were tuned on seed 1). "
            "Precision at 50, mean over the queries: the hybrid search (meaning + BM25 words with pseudo-relevance "
            "feedback) against the bare embedder's nearest neighbours (cosine only; the multilingual USE for the "
            "Chinese reviews, all-MiniLM-L6-v2 for the clothing reviews).\n\n"
            "| set | queries | hybrid P@50 | bare model P@50 |\n| --- | --- | --- | --- |\n" + table +
            "\n\n" + EASY + "\n\nChinese reviews: 1,200 planted reviews of ten categories "
            "(`core.testing.chinese_reviews`: one "
            "sentence of the category among one or two sentences any shopper writes, or three or four in the harder "
            "draw), each category's name as the query "
            "(English: " + ", ".join(ENGLISH_NAMES.values()) + "); relevant = a review of that category. Clothing "
            "reviews (3,000): relevant = the review text matches the query's regular expression:\n\n"
            "| query | relevant when the text matches |\n| --- | --- |\n" + judged + "\n"))


if __name__ == "__main__":
    main()
