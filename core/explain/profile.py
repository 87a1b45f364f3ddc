"""What makes each segment different: a profile per segment, as plain data (no charts here).

``profile_segments`` returns one dict per segment (largest first, unassigned last)::

    segment_id   int, -1 for the unassigned customers
    name         str, the analyst's name when renamed, else ``auto_name``
    auto_name    str, generated from the strongest significant traits ("55+ · petite, length · Dresses")
    size, share  members and their share of all customers
    words        [{term, score, share, share_rest}] distinctive single words (class-based TF-IDF);
                 share = fraction of the segment's members using the term, share_rest = of everyone else
    phrases      [{term, score, share, share_rest}] distinctive two- and three-word phrases
    numeric      [{column, mean, median, mean_rest, median_rest, std_diff, p_value, q_value, significant}]
                 ranked by |std_diff| (difference of means in standard deviations of all
                 customers, finite even when a group does not vary); p from a two-sided
                 Mann–Whitney U test, q after Benjamini–Hochberg across every test of the run
    categories   [{column, value, count, share, share_all, share_rest, lift, effect, p_value, q_value,
                 significant}] over-represented values ranked by effect (Cohen's h of share vs share_rest);
                 p from a two-proportion test (Fisher's exact test when a cell is small)
    representatives [{id, text}] the members closest to the segment's centre in the clustering space

The pipeline adds ``quality`` ({silhouette, stability, verdict}) per segment (see core/quality.py).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from typing import Any, NotRequired, TypedDict

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.explain.chinese_words import chinese_terms, is_chinese
from core.ingest.language import cjk_share
from core.represent.features import TOP_LEVELS, Customers
from core.storage.hashing import stable_hash, text_hash
from core.storage.stage_cache import StageCache, StageResult

UNASSIGNED = "Unassigned"


class Term(TypedDict):
    """A distinctive word or phrase of a segment."""

    term: str
    score: float
    share: float  # of the segment's members using it
    share_rest: float  # of everyone else


class NumericTrait(TypedDict):
    """A number compared with everyone else."""

    column: str
    mean: float
    median: float
    mean_rest: float
    median_rest: float
    std_diff: float
    p_value: float | None
    q_value: NotRequired[float | None]
    significant: NotRequired[bool]


class CategoryTrait(TypedDict):
    """An over-represented category value."""

    column: str
    value: str
    count: int
    share: float
    share_all: float
    share_rest: float
    lift: float
    effect: float
    p_value: float | None
    q_value: NotRequired[float | None]
    significant: NotRequired[bool]


class Representative(TypedDict):
    """A member close to the segment's centre."""

    id: str
    text: str


class Traits(TypedDict):
    """What sets a group of customers apart: a segment's or a map selection's."""

    size: int
    share: float
    words: list[Term]
    numeric: list[NumericTrait]
    categories: list[CategoryTrait]
    representatives: list[Representative]
    items: NotRequired[list[dict[str, Any]]]  # a segment's most over-represented items, with interactions


class Profile(Traits):
    """One segment's profile, as ``profiles.json`` holds it (see the module docstring)."""

    segment_id: int
    name: str
    auto_name: str
    phrases: list[Term]
    renamed: NotRequired[bool]  # the analyst named it
    quality: NotRequired[dict[str, Any]]  # {silhouette, stability, verdict}, added by the pipeline
N_WORDS = 10
N_PHRASES = 6
N_REPRESENTATIVES = 5
ALPHA = 0.05
NAME_STD_DIFF = 0.8  # a numeric trait worth naming (a large standardised difference)
MIN_EFFECT_H = 0.3  # a category worth naming (Cohen's h)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_CJK_FUNCTION_CHARS = set("的了是我你他她它们这那在和也都就很吗呢吧啊着过被把给与及或而个有")
_AGE = re.compile(r"(^|[^a-z])age($|[^a-z])", re.IGNORECASE)


def _english_stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS | {"i'm", "it's", "don't", "didn't", "doesn't", "isn't", "wasn't", "i've",
                                           "i'd", "can't", "won't", "that's", "they're", "you're", "i'll"})


def english_terms(text: str, stop_words: frozenset[str]) -> set[str]:
    """Words (no stop words, no numbers) and 2–3 word phrases that neither start nor end with a stop word."""
    tokens = _WORD.findall(text.lower())
    out = {t for t in tokens if len(t) > 1 and t not in stop_words and not t.isdigit()}
    for n in (2, 3):
        for i in range(len(tokens) - n + 1):
            gram = tokens[i : i + n]
            if any(t in stop_words or t.isdigit() or len(t) < 2 for t in (gram[0], gram[-1])):
                continue
            out.add(" ".join(gram))
    return out


def cjk_terms(text: str) -> set[str]:
    """Character bigrams and trigrams inside runs of CJK characters, without function characters at the edges."""
    out = set()
    for run in _CJK_RUN.findall(text):
        for n in (2, 3):
            for i in range(len(run) - n + 1):
                gram = run[i : i + n]
                if gram[0] not in _CJK_FUNCTION_CHARS and gram[-1] not in _CJK_FUNCTION_CHARS:
                    out.add(gram)
        out.update(ch for ch in run if ch not in _CJK_FUNCTION_CHARS)
    return out


def _raw_terms(text: str) -> set[str]:
    """Last resort for text made only of stop words, digits or symbols: its whitespace tokens."""
    return {t for t in text.lower().split() if t}


def _script(texts: list[str]) -> str:
    """How words are taken from these texts: "chinese" (jieba), "cjk" (Japanese or Korean: character
    n-grams) or "latin" (words split at spaces and punctuation)."""
    if is_chinese(texts):
        return "chinese"
    return "cjk" if cjk_share(texts) > 0.3 else "latin"


def _term_sets(texts: list[str], script: str, stop_words: frozenset[str]) -> list[set[str]]:
    extra = {"chinese": chinese_terms, "cjk": cjk_terms}.get(script)
    if extra:
        return [extra(t) | english_terms(t, stop_words) if t else set() for t in texts]
    return [english_terms(t, stop_words) if t else set() for t in texts]


#: bump when the words and phrases taken from a text change (cached term matrices are keyed by it)
TERMS_FORMAT = 2  # 2: Chinese words from jieba instead of character n-grams
TermPresence = tuple[sp.csr_matrix, np.ndarray]


def term_presence(texts: list[str], chunk: int = 5000) -> TermPresence:
    """Which text uses which term (texts × terms, 0/1) and the terms in column order.

    It depends on the texts alone, so a re-clustering can reuse it. Term sets are made a chunk of
    texts at a time and kept only as column numbers, so memory follows the matrix, not hundreds of
    thousands of Python sets. Mostly Chinese text is cut into words by jieba; mostly Japanese or Korean text
    uses character n-grams."""
    from scipy import sparse

    script = _script(texts)
    stop_words = _english_stop_words()
    vocabulary: dict[str, int] = {}
    cols: list[np.ndarray] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    for start in range(0, len(texts), chunk):
        for i, terms in enumerate(_term_sets(texts[start : start + chunk], script, stop_words), start):
            if not terms and texts[i]:  # text with nothing but stop words still describes itself
                terms = _raw_terms(texts[i])
            # sets iterate in hash-seed order; sorted keeps ties reproducible across processes
            ids = [vocabulary.setdefault(t, len(vocabulary)) for t in sorted(terms)]
            cols.append(np.asarray(ids, dtype=np.int32))
            counts[i] = len(ids)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
    presence = sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                                 shape=(len(texts), len(vocabulary)))
    names = np.empty(len(vocabulary), dtype=object)
    for term, j in vocabulary.items():
        names[j] = term
    return presence, names


def cached_term_presence(stages: StageCache, texts: list[str]) -> TermPresence:
    """:func:`term_presence` kept per text content in the workspace's stage cache (labels do not change it), so a
    re-clustering and the explanations of a run reuse it."""

    def compute() -> StageResult:
        matrix, terms = term_presence(texts)
        return {"indices": matrix.indices, "indptr": matrix.indptr}, {"terms": terms.tolist()}

    key = stable_hash("terms", TERMS_FORMAT, text_hash("\x00".join(texts)))
    arrays, meta, _ = stages.cached("terms", key, compute)
    matrix = sp.csr_matrix((np.ones(len(arrays["indices"]), dtype=np.float32), arrays["indices"], arrays["indptr"]),
                           shape=(len(texts), len(meta["terms"])))
    return matrix, np.array(meta["terms"], dtype=object)


def _plural_of_picked(term: str, picked: list[Term]) -> bool:
    """Whether ``term`` is a singular or plural of a term already picked (dress/dresses, jacket/jackets)."""
    taken = {p["term"] for p in picked}
    forms = {term + "s", term + "es"} | ({term[:-1]} if term.endswith("s") else set()) | (
        {term[:-2]} if term.endswith("es") else set())
    return bool(forms & taken)


def _term_row(term: str, score: float, share: float, share_rest: float) -> Term:
    return {"term": str(term), "score": round(float(score), 6), "share": round(float(share), 4),
            "share_rest": round(float(share_rest), 4)}


def distinctive_terms(texts: list[str], labels: np.ndarray, n_terms: int = N_WORDS) -> dict[int, list[Term]]:
    """The distinctive single words of each segment (see :func:`distinctive_words_and_phrases`)."""
    return {s: found["words"] for s, found in distinctive_words_and_phrases(texts, labels, n_terms).items()}


def distinctive_words_and_phrases(texts: list[str], labels: np.ndarray, n_terms: int = N_WORDS,
                                  n_phrases: int = N_PHRASES,
                                  presence: TermPresence | None = None) -> dict[int, dict[str, list[Term]]]:
    """Class-based TF-IDF over members: for each segment the words and phrases that set it apart.

    A term's frequency in a segment is the share of its members who use it (so one reviewer who
    repeats a word cannot carry it); its class-based IDF contrasts the segment with everyone else:
    log((members using it + 1) / (members expected to use it at the rest's rate + 1)). Words that
    everyone uses score near zero however common they are, which BERTopic's log(1 + A / f) does
    not achieve with few classes. English and Chinese drop stop words; Chinese is cut into words by
    jieba; mostly Japanese or Korean text uses character n-grams. A segment with text always gets
    words. ``presence`` is
    :func:`term_presence` of ``texts`` when already at hand.
    """
    from scipy import sparse

    segments = sorted(set(labels.tolist()) - {-1})
    empty: dict[int, dict[str, list[Term]]] = {s: {"words": [], "phrases": []} for s in segments}
    if not segments or not any(texts):
        return empty
    matrix, terms = term_presence(texts) if presence is None else presence
    if not len(terms):
        return empty
    seg_index = {s: k for k, s in enumerate(segments)}
    member_rows = np.array([seg_index.get(int(v), -1) for v in labels])
    assigned = member_rows >= 0
    indicator = sparse.csr_matrix((np.ones(int(assigned.sum())), (member_rows[assigned], np.where(assigned)[0])),
                                  shape=(len(segments), len(texts)))
    members_using = (indicator @ matrix).tocsr()  # members using each term, per segment (sparse)
    users_all = np.asarray(matrix.sum(axis=0)).ravel()
    has_text = np.array([bool(t) for t in texts])
    with_text = np.bincount(member_rows[assigned & has_text], minlength=len(segments)).astype(float)
    # phrases have spaces (English, and jieba's Chinese word pairs); Japanese or Korean character 3-grams
    ngrams = _script(texts) == "cjk"
    is_phrase = np.array([" " in t or (ngrams and len(t) > 2 and bool(_CJK_RUN.fullmatch(t))) for t in terms])
    out: dict[int, dict[str, list[Term]]] = {}
    for k, s in enumerate(segments):
        users = members_using[k].toarray().ravel()
        share = users / max(with_text[k], 1)
        share_rest = (users_all - users) / max(has_text.sum() - with_text[k], 1)
        idf = np.log((users + 1) / (share_rest * with_text[k] + 1))  # observed over expected users, smoothed
        scores = share * idf
        min_users = 2 if with_text[k] >= 10 else 1
        limits = {"words": n_terms, "phrases": n_phrases}
        picked: dict[str, list[Term]] = {"words": [], "phrases": []}
        for j in np.argsort(-scores, kind="stable"):
            if scores[j] <= 0 or all(len(picked[x]) >= limits[x] for x in picked):
                break
            kind = "phrases" if is_phrase[j] else "words"
            if (len(picked[kind]) < limits[kind] and users[j] >= min_users and share[j] > share_rest[j]
                    and not _plural_of_picked(str(terms[j]), picked[kind])):
                picked[kind].append(_term_row(terms[j], scores[j], share[j], share_rest[j]))
        if not picked["words"] and with_text[k]:  # never empty: fall back to the segment's most used terms
            picked["words"] = [_term_row(terms[j], scores[j], share[j], share_rest[j])
                               for j in np.argsort(-users, kind="stable")[:n_terms] if users[j] > 0]
        out[s] = picked
    return out


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values) for a family of tests."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.clip(q, 0, 1)
    return out


def _numeric_trait(col: str, x: np.ndarray, mask: np.ndarray) -> NumericTrait | None:
    from scipy.stats import mannwhitneyu

    spread = float(np.nanstd(x)) if np.isfinite(x).any() else 0.0
    inside, outside = x[mask], x[~mask]
    inside, outside = inside[~np.isnan(inside)], outside[~np.isnan(outside)]
    if len(inside) == 0:
        return None
    mean_in = float(inside.mean())
    mean_out = float(outside.mean()) if len(outside) else float("nan")
    diff = (mean_in - mean_out) / spread if spread > 0 and len(outside) else 0.0
    p = 1.0
    if len(inside) >= 2 and len(outside) >= 2 and spread > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = float(mannwhitneyu(inside, outside, alternative="two-sided", method="asymptotic").pvalue)
    return {"column": col, "mean": mean_in, "median": float(np.median(inside)), "mean_rest": mean_out,
            "median_rest": float(np.median(outside)) if len(outside) else float("nan"),
            "std_diff": float(diff), "p_value": p if np.isfinite(p) else 1.0}


def numeric_traits(customers: Customers, mask: np.ndarray) -> list[NumericTrait]:
    """Mean and median in the segment against everyone else, with a Mann–Whitney p-value (uncorrected).

    Ranked by |standardised difference|; ``profile_segments`` adds the corrected q-values.
    """
    rows: list[NumericTrait] = []
    for col in customers.columns["numeric"]:
        row = _numeric_trait(col, customers.frame[col].to_numpy(dtype="float64", na_value=np.nan), mask)
        if row:
            rows.append(row)
    return sorted(rows, key=lambda r: -abs(r["std_diff"]))


def proportion_p(a: int, n_a: int, b: int, n_b: int) -> float:
    """Two-sided p-value that a/n_a and b/n_b differ: two-proportion z test, Fisher's exact when a cell is small."""
    from scipy.stats import fisher_exact, norm

    if n_a == 0 or n_b == 0:
        return 1.0
    pooled = (a + b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        return 1.0
    expected = np.array([n_a * pooled, n_a * (1 - pooled), n_b * pooled, n_b * (1 - pooled)])
    if expected.min() < 5:
        return float(fisher_exact([[a, n_a - a], [b, n_b - b]]).pvalue)
    z = (a / n_a - b / n_b) / np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return float(2 * norm.sf(abs(z)))


def category_tests(customers: Customers, mask: np.ndarray) -> list[CategoryTrait]:
    """Every frequent value's share in the segment, overall and in the rest, its lift, effect and p-value.

    Covers each categorical column's most frequent values (those the features encode), over- and
    under-represented alike, so that the multiple-testing correction counts every test made.
    """
    rows: list[CategoryTrait] = []
    n_in, n_out = int(mask.sum()), int((~mask).sum())
    for col in customers.columns["categorical"]:
        values = customers.frame[col]
        counts_all = values.value_counts()
        inside = values[mask].value_counts()
        n_all = len(values)
        for value in counts_all.index[:TOP_LEVELS]:
            count, total = int(inside.get(value, 0)), int(counts_all[value])
            share, share_rest = count / max(n_in, 1), (total - count) / max(n_out, 1)
            base = total / n_all
            effect = 2 * np.arcsin(np.sqrt(share)) - 2 * np.arcsin(np.sqrt(share_rest))
            rows.append({
                "column": col, "value": str(value), "count": count, "share": float(share), "share_all": float(base),
                "share_rest": float(share_rest), "lift": float(share / base), "effect": float(effect),
                "p_value": proportion_p(count, n_in, total - count, n_out),
            })
    return rows


def category_traits(customers: Customers, mask: np.ndarray, top: int = 8) -> list[CategoryTrait]:
    """The values over-represented in the segment, ranked by effect (uncorrected p-values)."""
    return over_represented(category_tests(customers, mask), top)


def over_represented(rows: list[CategoryTrait], top: int = 8) -> list[CategoryTrait]:
    return sorted((c for c in rows if c["effect"] > 0), key=lambda c: -c["effect"])[:top]


def add_q_values(rows: list[NumericTrait] | list[CategoryTrait] | list[NumericTrait | CategoryTrait],
                 alpha: float = ALPHA) -> None:
    """Benjamini–Hochberg across ``rows`` (one family of tests): sets ``q_value`` and ``significant``."""
    for row, q in zip(rows, benjamini_hochberg(np.array([r["p_value"] for r in rows]))):
        row["q_value"] = float(q)
        row["significant"] = bool(q < alpha)


def representatives(customers: Customers, points: np.ndarray, mask: np.ndarray,
                    n: int = N_REPRESENTATIVES) -> list[Representative]:
    """The members closest to the segment's centre in the clustering space, with their text."""
    idx = np.where(mask)[0]
    if len(idx) == 0:
        return []
    centre = points[idx].mean(axis=0)
    order = idx[np.argsort(((points[idx] - centre) ** 2).sum(axis=1), kind="stable")[:n]]
    ids = customers.frame["id"]
    return [{"id": str(ids.iloc[i]), "text": customers.texts[i][:400]} for i in order]


def _band(low: float, high: float, step: int) -> tuple[int, int]:
    return int(np.floor(low / step) * step), int(np.ceil(high / step) * step)


def numeric_label(trait: NumericTrait, values: np.ndarray, mask: np.ndarray) -> str:
    """How an analyst would say a numeric trait: '55+' or 'under 30' for ages, 'Rating 1–3' for small
    whole numbers, 'Recommended 35%' for a 0/1 column, else 'high Spend'."""
    col, up = trait["column"], trait["std_diff"] > 0
    x = values[mask]
    x = x[~np.isnan(x)]
    everyone = values[~np.isnan(values)]
    q25, q75 = np.percentile(x, [25, 75])
    if _AGE.search(col):
        low, high = _band(q25, q75, 5)
        if up and q25 >= np.percentile(everyone, 60):
            return f"{low}+"
        if not up and q75 <= np.percentile(everyone, 40):
            return f"under {high}"
        return f"age {low}–{high}"
    whole = np.all(np.mod(everyone, 1) == 0)
    if whole and set(np.unique(everyone).tolist()) <= {0.0, 1.0}:
        return f"{col} {x.mean():.0%}"
    if whole and len(np.unique(everyone)) <= 11:
        low, high = int(q25), int(q75)
        return f"{col} {low}" if low == high else f"{col} {low}–{high}"
    return f"{'high' if up else 'low'} {col}"


def _category_label(trait: CategoryTrait) -> str:
    value = trait["value"]
    return value if re.search(r"[^\W\d_]{2}", value) else f"{trait['column']} {value}"


def auto_name(customers: Customers, mask: np.ndarray, words: list[Term], numbers: list[NumericTrait],
              categories: list[CategoryTrait]) -> str:
    """A short name from the strongest significant traits: 'numeric band · two words · category'.

    A number enters when its standardised difference is large (≥ 0.8), a category when it is
    significant, over-represented (Cohen's h ≥ 0.3) and held by ≥ 30 % of members; the words are
    the two most distinctive ones used by ≥ 5 % of members that do not repeat the category.
    Members mostly without text are called so ('no text').
    """
    parts = []
    nums = [n for n in numbers if n["significant"] and abs(n["std_diff"]) >= NAME_STD_DIFF]
    if nums:
        values = customers.frame[nums[0]["column"]].to_numpy(dtype="float64", na_value=np.nan)
        parts.append(numeric_label(nums[0], values, mask))
    cats = [c for c in categories if c["significant"] and c["effect"] >= MIN_EFFECT_H and c["share"] >= 0.3]
    category = _category_label(cats[0]) if cats else None
    lowered = category.lower() if category else ""
    fresh = [w for w in words if not (lowered and (w["term"] in lowered or lowered in w["term"]))]
    picked = [w["term"] for w in fresh if w["share"] >= 0.05][:2] or [w["term"] for w in fresh][:2]
    if picked:
        parts.append(", ".join(picked))
    elif customers.columns["text"] and np.mean([not customers.texts[i] for i in np.where(mask)[0]]) >= 0.9:
        parts.append("no text")
    if category:
        parts.append(category)
    return " · ".join(parts) if parts else "Mixed"


def profile_segments(customers: Customers, labels: np.ndarray, points: np.ndarray,
                     names: dict[int, str] | None = None, presence: TermPresence | None = None) -> list[Profile]:
    """One profile per segment (largest first), the unassigned customers last.

    Significance is corrected with Benjamini–Hochberg across every numeric and category test of
    every segment. ``names`` keeps analyst-given names (segment id → name); ``presence`` is the
    texts' :func:`term_presence` when already at hand (the pipeline caches it per text content).
    """
    names = names or {}
    n = len(labels)
    terms = distinctive_words_and_phrases(customers.texts, labels, presence=presence)
    ids = sorted(set(labels.tolist()), key=lambda v: (v < 0, v))
    masks = {s: labels == s for s in ids}
    nums = {s: numeric_traits(customers, masks[s]) for s in ids if s >= 0}
    cats = {s: category_tests(customers, masks[s]) for s in ids if s >= 0}
    add_q_values([row for s in nums for row in nums[s] + cats[s]])
    profiles: list[Profile] = []
    seen: Counter[str] = Counter()
    for s in ids:
        mask = masks[s]
        over = over_represented(cats.get(s, []))
        seg_terms = terms.get(s, {"words": [], "phrases": []})
        generated = UNASSIGNED if s < 0 else auto_name(customers, mask, seg_terms["words"], nums[s], over)
        seen[generated] += 1
        if seen[generated] > 1:
            generated = f"{generated} ({seen[generated]})"
        profile: Profile = {
            "segment_id": int(s), "name": names.get(int(s), generated), "auto_name": generated,
            "size": int(mask.sum()), "share": float(mask.sum() / n),
            "words": seg_terms["words"], "phrases": seg_terms["phrases"],
            "numeric": nums.get(s, []), "categories": over,
            "representatives": representatives(customers, points, mask) if s >= 0 else [],
        }
        if int(s) in names:
            profile["renamed"] = True
        profiles.append(profile)
    return profiles


def segment_names(profiles: list[Profile]) -> dict[int, str]:
    """Segment id → name."""
    return {p["segment_id"]: p["name"] for p in profiles}


def attach_items(profiles: list[Profile], segment_lists: pd.DataFrame, n_items: int = 5) -> list[Profile]:
    """Give each segment's profile its most over-represented items (the top of its lift list), in place.

    ``segment_lists`` is :class:`core.recommend.lists.Recommendations`' table (``segment_id, rank, item_id,
    score, reason`` (, ``item_name``), ``list``); segments without a list get an empty ``items``.
    """
    lift = segment_lists[segment_lists["list"] == "lift"] if "list" in segment_lists else segment_lists
    columns = [c for c in ("item_id", "item_name", "score", "reason") if c in lift]
    for profile in profiles:
        rows = lift[lift["segment_id"] == profile["segment_id"]].sort_values("rank").head(n_items)
        profile["items"] = [{c: (str(r[c]) if c in ("item_id", "item_name") else r[c]) for c in columns}
                            for r in rows.to_dict("records")]
    return profiles


def attach_segment_quality(profiles: list[Profile], figures: dict[str, Any]) -> None:
    """Give each segment's profile its ``quality``: silhouette, stability (Jaccard) and verdict."""
    stable = (figures.get("stability") or {}).get("segments", {})
    for profile in profiles:
        s = int(profile["segment_id"])
        if s < 0:
            continue
        own = stable.get(s, {})
        profile["quality"] = {"silhouette": figures["segments"].get(s, {}).get("silhouette"),
                              "stability": own.get("jaccard"), "verdict": own.get("verdict")}
