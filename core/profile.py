"""What makes each segment different: a profile per segment, as plain data (no charts here).

Per segment: size and share, distinctive words (class-based TF-IDF), numbers against everyone
else (means, medians, standardised difference), over-represented categories (share and lift),
representative members (closest to the segment's centre) and a provisional name.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core.embed import cjk_share
from core.features import Customers

UNASSIGNED = "Unassigned"
N_WORDS = 10
N_REPRESENTATIVES = 5


def distinctive_terms(texts: list[str], labels: np.ndarray, n_terms: int = N_WORDS) -> dict[int, list[dict]]:
    """Class-based TF-IDF (BERTopic's c-TF-IDF): for each segment the terms that set it apart.

    English uses word unigrams and bigrams without stop words; text that is mostly Chinese,
    Japanese or Korean uses character bigrams.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    segments = sorted(set(labels.tolist()) - {-1})
    if not segments or not any(t for t in texts):
        return {s: [] for s in segments}
    docs = []
    for s in segments:
        idx = np.where(labels == s)[0]
        docs.append(" ".join(texts[i] for i in idx if texts[i]))
    if cjk_share(texts) > 0.3:
        vectorizer = CountVectorizer(analyzer="char", ngram_range=(2, 2), token_pattern=None, min_df=1)
        drop = re.compile(r"[\W\d_]", re.UNICODE)
    else:
        vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=1, max_features=60_000)
        drop = re.compile(r"^\d+$|^\d+\s|\s\d+$")
    try:
        counts = vectorizer.fit_transform(docs).astype(np.float64)
    except ValueError:  # only stop words
        return {s: [] for s in segments}
    terms = vectorizer.get_feature_names_out()
    tf = counts.multiply(1.0 / np.maximum(counts.sum(axis=1), 1)).tocsr()
    freq = np.asarray(counts.sum(axis=0)).ravel()
    avg_words = counts.sum() / len(segments)
    idf = np.log(1 + avg_words / np.maximum(freq, 1))
    scores = tf.multiply(idf).tocsr()
    out: dict[int, list[dict]] = {}
    for row, s in enumerate(segments):
        values = scores.getrow(row).toarray().ravel()
        order = np.argsort(-values)
        picked = []
        for j in order:
            if values[j] <= 0 or len(picked) >= n_terms:
                break
            if drop.search(terms[j]):
                continue
            picked.append({"term": str(terms[j]), "score": round(float(values[j]), 6)})
        out[s] = picked
    return out


def numeric_traits(customers: Customers, mask: np.ndarray) -> list[dict]:
    """Mean and median in the segment against everyone else, ranked by |standardised difference|."""
    rows = []
    for col in customers.columns["numeric"]:
        x = customers.frame[col].to_numpy(dtype="float64", na_value=np.nan)
        inside, outside = x[mask], x[~mask]
        inside, outside = inside[~np.isnan(inside)], outside[~np.isnan(outside)]
        if len(inside) == 0:
            continue
        mean_in = float(inside.mean())
        mean_out = float(outside.mean()) if len(outside) else float("nan")
        pooled = np.sqrt((inside.var() + (outside.var() if len(outside) else 0.0)) / 2)
        diff = (mean_in - mean_out) / pooled if pooled > 0 and len(outside) else 0.0
        rows.append({
            "column": col, "mean": mean_in, "median": float(np.median(inside)),
            "mean_rest": mean_out, "std_diff": float(diff),
        })
    return sorted(rows, key=lambda r: -abs(r["std_diff"]))


def category_traits(customers: Customers, mask: np.ndarray, top: int = 8) -> list[dict]:
    """Values over-represented in the segment: share inside, share overall and lift."""
    rows = []
    n_in = int(mask.sum())
    for col in customers.columns["categorical"]:
        values = customers.frame[col]
        overall = values.value_counts(normalize=True)
        inside = values[mask].value_counts()
        for value, count in inside.items():
            share = count / n_in
            base = float(overall.get(value, 0.0))
            rows.append({
                "column": col, "value": str(value), "share": float(share), "share_all": base,
                "lift": float(share / base) if base > 0 else float("inf"), "count": int(count),
            })
    rows = [r for r in rows if r["count"] >= 2 or n_in < 10]
    return sorted(rows, key=lambda r: -(r["lift"] * np.sqrt(r["share"])))[:top]


def representatives(customers: Customers, points: np.ndarray, mask: np.ndarray, n: int = N_REPRESENTATIVES) -> list[dict]:
    """The members closest to the segment's centre in the clustering space, with their text."""
    idx = np.where(mask)[0]
    if len(idx) == 0:
        return []
    centre = points[idx].mean(axis=0)
    order = idx[np.argsort(((points[idx] - centre) ** 2).sum(axis=1))[:n]]
    ids = customers.frame["id"]
    return [{"id": str(ids.iloc[i]), "text": customers.texts[i][:300]} for i in order]


def provisional_name(words: list[dict], numbers: list[dict], categories: list[dict]) -> str:
    """A short name from the strongest traits, e.g. 'petite, small · Age high · Dresses'."""
    parts = []
    cats = [c for c in categories if c["lift"] >= 1.3 and c["share"] >= 0.3]
    if cats:
        parts.append(cats[0]["value"])
    nums = [n for n in numbers if abs(n["std_diff"]) >= 0.5]
    if nums:
        parts.append(f"{nums[0]['column']} {'high' if nums[0]['std_diff'] > 0 else 'low'}")
    if words:
        parts.insert(0, ", ".join(w["term"] for w in words[:2]))
    return " · ".join(parts) if parts else "Mixed"


def profile_segments(customers: Customers, labels: np.ndarray, points: np.ndarray) -> list[dict]:
    """One profile per segment (largest first), the unassigned customers last."""
    n = len(labels)
    words = distinctive_terms(customers.texts, labels)
    profiles, seen_names = [], {}
    for s in sorted(set(labels.tolist()), key=lambda v: (v < 0, v)):
        mask = labels == s
        nums = numeric_traits(customers, mask)
        cats = category_traits(customers, mask)
        name = UNASSIGNED if s < 0 else provisional_name(words.get(s, []), nums, cats)
        seen_names[name] = seen_names.get(name, 0) + 1
        if seen_names[name] > 1:
            name = f"{name} ({seen_names[name]})"
        profiles.append({
            "segment_id": int(s), "name": name, "size": int(mask.sum()), "share": float(mask.sum() / n),
            "words": words.get(s, []), "numeric": nums, "categories": cats,
            "representatives": representatives(customers, points, mask) if s >= 0 else [],
        })
    return profiles


def quality(points: np.ndarray, labels: np.ndarray, seed: int = 0) -> dict:
    """Figures for the whole segmentation: silhouette (sampled), Davies–Bouldin, Calinski–Harabasz, outliers."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    from core.cluster import silhouette_on_sample

    mask = labels >= 0
    n_segments = len(set(labels[mask].tolist()))
    out = {
        "n_segments": n_segments,
        "outlier_share": float(1 - mask.mean()) if len(labels) else 0.0,
        "silhouette": silhouette_on_sample(points, labels, seed),
        "davies_bouldin": None,
        "calinski_harabasz": None,
    }
    if 2 <= n_segments < mask.sum():
        out["davies_bouldin"] = float(davies_bouldin_score(points[mask], labels[mask]))
        out["calinski_harabasz"] = float(calinski_harabasz_score(points[mask], labels[mask]))
    return out


def segment_names(profiles: list[dict]) -> dict[int, str]:
    return {p["segment_id"]: p["name"] for p in profiles}


def profiles_frame(profiles: list[dict]) -> pd.DataFrame:
    """A one-row-per-segment summary table (id, name, size, share, top words)."""
    return pd.DataFrame([
        {"segment_id": p["segment_id"], "name": p["name"], "size": p["size"], "share": p["share"],
         "top words": ", ".join(w["term"] for w in p["words"][:5])}
        for p in profiles
    ])
