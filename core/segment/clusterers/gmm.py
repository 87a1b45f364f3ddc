"""Gaussian mixture: k components given, or chosen by BIC; membership = the posterior probability of the
customer's component, so a customer between two segments shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from core.segment.clusterers.base import AUTO_K_RANGE, Clusterer, KParams, register

if TYPE_CHECKING:
    from sklearn.mixture import GaussianMixture

#: below this many points the mixture is fitted in one thread (OpenMP start-ups cost more than they save)
SINGLE_THREAD_POINTS = 100_000


def _mixture(points: np.ndarray, k: int, seed: int) -> GaussianMixture:
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1 if len(points) < SINGLE_THREAD_POINTS else None):
        return GaussianMixture(n_components=k, covariance_type="full", n_init=2, reg_covar=1e-5,
                               random_state=seed).fit(points)


@register
class GaussianMixtureClusterer(Clusterer):
    """A full-covariance Gaussian mixture; ``k="auto"`` fits each k of :data:`AUTO_K_RANGE` and keeps the
    lowest BIC (Bayesian information criterion: fit against the number of parameters)."""

    name = "gmm"
    label = "Gaussian mixture"
    Params = KParams

    def fit(self, points: np.ndarray) -> GaussianMixtureClusterer:
        n, k = len(points), self.settings.k
        self.k_scores_, self.notices_ = {}, []
        if k == "auto":
            tried = range(AUTO_K_RANGE[0], max(AUTO_K_RANGE[0], min(AUTO_K_RANGE[1], n - 1)) + 1)
            bic = {c: _mixture(points, c, self.params.seed).bic(points) for c in tried}
            k = min(bic, key=bic.__getitem__)
            self.notices_.append(f"Chose k = {k} by BIC (tried {min(bic)}–{max(bic)}).")
        posterior = _mixture(points, int(k), self.params.seed).predict_proba(points)
        self.labels_ = posterior.argmax(axis=1).astype(np.int32)
        self.membership_ = posterior.max(axis=1).astype(np.float32)
        return self
