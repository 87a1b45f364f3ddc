"""Words and phrases of texts: term extraction (English words and phrases, jieba's Chinese words, Japanese or
Korean character n-grams), which text uses which term (cached per text content), and each segment's distinctive
words and phrases by class-based TF-IDF over members."""

from __future__ import annotations

import re
from typing import TypedDict

import numpy as np
import scipy.sparse as sp

from core.explain.chinese_words import chinese_terms, is_chinese
from core.ingest.language import cjk_share
from core.storage.hashing import stable_hash, text_hash
from core.storage.stage_cache import StageCache, StageResult


class Term(TypedDict):
    """A distinctive word or phrase of a segment."""

    term: str
    score: float
    share: float  # of the segment's members using it
    share_rest: float  # of everyone else


N_WORDS = 10
N_PHRASES = 6
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_CJK_FUNCTION_CHARS = set("的了是我你他她它们这那在和也都就很吗呢吧啊着过被把给与及或而个有")


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

