"""BM25 over a run's texts as sparse matrices: each (customer, term) weight computed once, so a query adds up
a few columns (a term's customers) and pseudo-relevance feedback reads a few rows (a customer's terms)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from core.search.tokens import terms

K1 = 1.2  # BM25 term-frequency saturation
B = 0.75  # BM25 length normalisation


@dataclass
class WordIndex:
    """BM25 weights of every (customer, term): ``by_term`` (terms × customers, CSR) for queries and
    ``by_customer`` (customers × terms, CSR) for feedback; ``vocabulary`` maps a term to its row."""

    by_term: sparse.csr_matrix
    by_customer: sparse.csr_matrix
    terms: list[str]  # the terms in row order

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        """Each term's row."""
        return {word: row for row, word in enumerate(self.terms)}

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as plain arrays, for the stage cache."""
        m = self.by_customer
        return {"data": m.data, "indices": m.indices, "indptr": m.indptr,
                "shape": np.array(m.shape, dtype=np.int64), "terms": np.array(self.terms, dtype=str)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> WordIndex:
        shape = tuple(int(v) for v in arrays["shape"])
        by_customer = sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        return cls(by_term=by_customer.T.tocsr(), by_customer=by_customer, terms=arrays["terms"].tolist())

    def scores(self, weighted_terms: dict[str, float]) -> np.ndarray:
        """Each customer's BM25 score for these terms (each term's weights times its query weight)."""
        out = np.zeros(self.by_customer.shape[0], dtype=np.float32)
        m = self.by_term
        for word, weight in weighted_terms.items():
            row = self.vocabulary.get(word)
            if row is not None:
                start, end = m.indptr[row], m.indptr[row + 1]
                out[m.indices[start:end]] += weight * m.data[start:end]
        return out

    def feedback_terms(self, rows: np.ndarray, n_terms: int, min_share: float) -> dict[str, float]:
        """Terms that characterise the customers ``rows`` (pseudo-relevance feedback): the ``n_terms`` terms with
        the largest summed BM25 weight over them among those found in at least ``min_share`` of them, each with its
        weight relative to the strongest (1.0)."""
        if not len(rows):
            return {}
        block = self.by_customer[rows]
        total = np.asarray(block.sum(axis=0)).ravel()
        present = np.asarray((block > 0).sum(axis=0)).ravel()
        total[present < min_share * len(rows)] = 0
        best = np.argsort(-total)[:n_terms]
        best = best[total[best] > 0]
        if not len(best):
            return {}
        return {self.terms[i]: float(total[i] / total[best[0]]) for i in best}


def build_word_index(texts: Sequence[str]) -> WordIndex:
    """The BM25 index of ``texts`` (one per customer; an empty text matches nothing)."""
    vocabulary: dict[str, int] = {}
    indptr: list[int] = [0]
    indices: list[int] = []
    counts: list[int] = []
    for text in texts:
        found: dict[int, int] = {}
        for word in terms(text or ""):
            column = vocabulary.setdefault(word, len(vocabulary))
            found[column] = found.get(column, 0) + 1
        indices.extend(found)
        counts.extend(found.values())
        indptr.append(len(indices))
    shape = (len(texts), len(vocabulary))
    tf = sparse.csr_matrix((np.asarray(counts, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                            np.asarray(indptr, dtype=np.int64)), shape=shape)
    length = np.asarray(tf.sum(axis=1)).ravel()
    average = max(float(length.mean()) if len(length) else 0.0, 1e-9)
    df = np.bincount(tf.indices, minlength=len(vocabulary)).astype(np.float64)
    idf = np.log(1.0 + (len(texts) - df + 0.5) / (df + 0.5))
    norm = np.repeat(K1 * (1 - B + B * length / average), np.diff(tf.indptr))
    tf.data = (tf.data * (K1 + 1) / (tf.data + norm) * idf[tf.indices]).astype(np.float32)
    return WordIndex(by_term=tf.T.tocsr(), by_customer=tf, terms=list(vocabulary))
