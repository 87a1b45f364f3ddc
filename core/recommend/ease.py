"""EASE: a closed-form item × item recommender (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019).

With X the binary customers × items matrix and G = XᵀX, P = (G + λI)⁻¹ and B = −P / diag(P) with a
zero diagonal: each item's score for a customer is their history times B. One parameter, λ
(``ease_lambda``), pulls the weights towards zero; larger values favour popular items.

Cost: an items × items inverse, n³ operations and n² memory (float64 up to 5,000 items, float32
above: 1.6 GB at 20,000). Above ``max_items`` the model is fitted on the ``max_items`` most chosen
items only; the others are then never recommended per customer (``EaseModel.note`` says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

_FLOAT64_UP_TO = 5_000


@dataclass
class EaseModel:
    """The fitted item weights over the items it covers."""

    weights: np.ndarray  # covered × covered, zero diagonal
    items: np.ndarray  # catalogue positions of the covered items
    n_items: int  # the whole catalogue
    note: str | None = None  # set when the catalogue was cut to bound the cost

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        """Rows of ``history`` (weighted customers × catalogue) → scores over the whole catalogue (0 off cover)."""
        out = np.zeros((history.shape[0], self.n_items))
        out[:, self.items] = np.asarray(history[:, self.items] @ self.weights, dtype=np.float64)
        return out

    def contributions(self, history_items: np.ndarray, weights: np.ndarray, items: np.ndarray) -> np.ndarray:
        """history items × ``items``: how much each history item adds to each item's score."""
        position = np.full(self.n_items, -1)
        position[self.items] = np.arange(len(self.items))
        rows, cols = position[history_items], position[items]
        out = np.zeros((len(history_items), len(items)))
        ok_r, ok_c = rows >= 0, cols >= 0
        out[np.ix_(ok_r, ok_c)] = self.weights[np.ix_(rows[ok_r], cols[ok_c])] * weights[ok_r, None]
        return out


def fit_ease(binary: sp.csr_matrix, lam: float, max_items: int) -> EaseModel:
    """Fit EASE on a binary customers × items matrix (see the module for the bound on items)."""
    n_items = binary.shape[1]
    counts = np.asarray(binary.sum(axis=0)).ravel()
    note = None
    if n_items > max_items:
        items = np.sort(np.argsort(-counts, kind="stable")[:max_items])
        note = (f"EASE used the {max_items:,} most chosen of the {n_items:,} items (its item × item inverse grows "
                f"with the cube of the catalogue); the other {n_items - max_items:,} are not recommended per customer.")
    else:
        items = np.arange(n_items)
    dtype: type[np.floating] = np.float64 if len(items) <= _FLOAT64_UP_TO else np.float32
    x = binary[:, items].astype(dtype)
    gram: np.ndarray = np.asarray((x.T @ x).toarray(), dtype=dtype)
    np.fill_diagonal(gram, gram.diagonal() + lam)  # in place: no second n × n array
    precision = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)
    weights = precision / -np.diag(precision)[None, :]
    weights[np.diag_indices_from(weights)] = 0.0
    return EaseModel(weights, items, n_items, note)
