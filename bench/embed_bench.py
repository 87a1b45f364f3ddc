"""Section 1: embedding throughput on the clothing reviews, and the int8 backend's quality.

Ours (int8 ONNX, length-sorted batches of 64) vs plain sentence-transformers (fp32 PyTorch,
its default batch size 32) vs one text at a time, on the same texts, interleaved.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from bench.common import interleaved, median, review_texts
from bench.report import write_section
from core.embed import OnnxEmbedder, SentenceTransformerEmbedder


def quality(ours: np.ndarray, fp32: np.ndarray, k: int = 8, seed: int = 0) -> tuple[float, float, float]:
    """Mean and 1st-percentile cosine of ours to fp32, and the ARI of KMeans labels on each."""
    cos = (ours * fp32).sum(axis=1)
    labels = [KMeans(k, n_init=10, random_state=seed).fit_predict(v) for v in (fp32, ours)]
    return float(cos.mean()), float(np.percentile(cos, 1)), float(adjusted_rand_score(*labels))


def run(n: int = 400, repeats: int = 3, quality_n: int = 1000) -> dict:
    texts = review_texts(n)
    ours = OnnxEmbedder()
    plain = SentenceTransformerEmbedder(device="cpu").model
    ours.encode(texts[:32]), plain.encode(texts[:32])  # load and warm both
    runs = {
        "ours: int8 ONNX, batches of 64": lambda: ours.encode(texts),
        "sentence-transformers fp32, batch 32": lambda: plain.encode(texts, batch_size=32, normalize_embeddings=True),
        "one text at a time (fp32)": lambda: [plain.encode([t], normalize_embeddings=True) for t in texts],
    }
    seconds = interleaved(runs, repeats)
    rates = {name: n / median(s) for name, s in seconds.items()}
    base = rates["sentence-transformers fp32, batch 32"]
    rows = "\n".join(f"| {name} | {rate:,.1f} | {rate / base:.2f}× | {', '.join(f'{x:.1f}' for x in seconds[name])} |"
                     for name, rate in rates.items())
    qtexts = review_texts(quality_n, seed=1)
    fp32 = plain.encode(qtexts, batch_size=32, normalize_embeddings=True)
    cos_mean, cos_p1, ari = quality(ours.encode(qtexts), fp32)
    passed = cos_mean >= 0.98 and ari >= 0.9
    body = f"""
Command: `.venv/bin/python -m bench.run_all --only embed`. {n} review texts (a seeded sample of the clothing
reviews, mean {np.mean([len(t) for t in texts]):.0f} characters), the three ways run in turn, {repeats} rounds;
texts/s from the median round.

| method | texts/s | vs sentence-transformers | seconds per round |
| --- | ---: | ---: | --- |
{rows}

**Quality of the int8 backend** on {len(qtexts):,} other reviews against fp32 sentence-transformers:
mean cosine similarity {cos_mean:.4f} (1st percentile {cos_p1:.4f}); KMeans (k=8, same seed) labels
agree at ARI {ari:.3f}. Bar: cosine ≥ 0.98 and ARI ≥ 0.9 — **{"passed" if passed else "NOT passed"}**, so the
int8 backend {"is" if passed else "should not be"} the CPU default (`--backend auto`); `--backend torch` gives fp32.
"""
    write_section("embed", "1. Embedding throughput (CPU)", body)
    return {"rates": rates, "cos_mean": cos_mean, "ari": ari}
