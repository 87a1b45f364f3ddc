"""TF-IDF over character n-grams + truncated SVD: fast, language-agnostic, fitted on the corpus."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.errors import ParameterError
from core.represent.embedders.base import EmbedderPlugin, Progress, normalise, register


class LexicalEmbedder:
    """TF-IDF over character n-grams + truncated SVD: fast, language-agnostic, corpus-dependent."""

    name = "lexical"
    backend = "auto"
    per_text = False

    def __init__(self, dim: int = 128, seed: int = 0) -> None:
        if dim < 2:
            raise ParameterError(f"The lexical embedding needs at least 2 dimensions, not {dim}.")
        self.dim = dim
        self.seed = seed
        self.model_id = f"lexical:char2-4:svd{dim}:seed{seed}"

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [t or "" for t in texts]
        if not any(t.strip() for t in texts):
            return np.zeros((len(texts), self.dim), dtype=np.float32)
        tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2 if len(texts) > 50 else 1,
                                max_features=200_000, sublinear_tf=True, dtype=np.float32)
        matrix = tfidf.fit_transform(texts)
        k = min(self.dim, matrix.shape[1] - 1, len(texts) - 1)
        if k < 1:
            vectors = matrix.toarray()
        else:
            vectors = TruncatedSVD(n_components=k, random_state=self.seed).fit_transform(matrix)
        if vectors.shape[1] < self.dim:
            vectors = np.pad(vectors, ((0, 0), (0, self.dim - vectors.shape[1])))
        if progress:
            progress(len(texts), len(texts))
        return normalise(vectors)


register(EmbedderPlugin(
    "lexical", "Lexical (character n-grams, fast, any language)",
    build=lambda choice: (LexicalEmbedder(seed=choice.seed), []),
    reproducible=False,  # fitted on the run's own texts: a new text cannot be described the same way
))
