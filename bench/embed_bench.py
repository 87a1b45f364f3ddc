"""Section 1: embedding throughput on the clothing reviews, and the fast backends' quality.

Ours (bf16 autocast where the CPU computes bfloat16 natively; int8 ONNX, length-sorted batches of
64) vs plain sentence-transformers (fp32 PyTorch, its default batch size 32) vs one text at a time,
on the same texts, interleaved; then each fast backend's vectors against fp32 ones.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from bench.common import interleaved, median, review_texts
from bench.report import write_section
from core.represent.embedders.onnx import OnnxEmbedder
from core.represent.embedders.runtime import cpu_has_bf16, pick_backend
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder


def quality(ours: np.ndarray, fp32: np.ndarray, k: int = 8, seed: int = 0) -> dict[str, float]:
    """How far a fast backend's vectors move customers: cosine to fp32 and three KMeans label agreements (ARI).

    ``ari``: KMeans fitted on the fp32 vectors labels the int8 vectors and the fp32 vectors; do
    customers keep their segment? ``ari_refit``: KMeans refitted on the int8 vectors from the same
    starting centres. ``ari_fp32_reseeded``: fp32 against fp32 with another KMeans seed, the scale of
    KMeans' own dependence on its start on these weakly clustered reviews.
    """
    cos = (ours * fp32).sum(axis=1)
    model = KMeans(k, n_init=10, random_state=seed).fit(fp32)
    start = KMeans(k, n_init=1, random_state=seed, max_iter=1).fit(fp32).cluster_centers_
    refit = [KMeans(k, init=start, n_init=1).fit_predict(v) for v in (fp32, ours)]
    return {"cos_mean": float(cos.mean()), "cos_p1": float(np.percentile(cos, 1)),
            "ari": float(adjusted_rand_score(model.labels_, model.predict(ours))),
            "ari_refit": float(adjusted_rand_score(*refit)),
            "ari_fp32_reseeded": float(adjusted_rand_score(
                model.labels_, KMeans(k, n_init=10, random_state=seed + 1).fit_predict(fp32)))}


BF16 = "ours: bf16 autocast (AMX), batches of 64"
INT8 = "ours: int8 ONNX, batches of 64"
FP32 = "sentence-transformers fp32, batch 32"


def run(n: int = 400, repeats: int = 3, quality_n: int = 1000) -> dict:
    texts = review_texts(n)
    int8 = OnnxEmbedder()
    bf16 = SentenceTransformerEmbedder(device="cpu", precision="bf16") if cpu_has_bf16() else None
    plain = SentenceTransformerEmbedder(device="cpu").model
    for warm in (int8, bf16, plain):  # load and warm each
        if warm is not None:
            warm.encode(texts[:32])
    runs = {
        **({BF16: lambda: bf16.encode(texts)} if bf16 else {}),
        INT8: lambda: int8.encode(texts),
        FP32: lambda: plain.encode(texts, batch_size=32, normalize_embeddings=True),
        "one text at a time (fp32)": lambda: [plain.encode([t], normalize_embeddings=True) for t in texts],
    }
    seconds = interleaved(runs, repeats)
    rates = {name: n / median(s) for name, s in seconds.items()}
    base = rates[FP32]
    rows = "\n".join(f"| {name} | {rate:,.1f} | {rate / base:.2f}× | {', '.join(f'{x:.1f}' for x in seconds[name])} |"
                     for name, rate in rates.items())
    qtexts = review_texts(quality_n, seed=1)
    fp32 = plain.encode(qtexts, batch_size=32, normalize_embeddings=True)
    checks = {name: quality(e.encode(qtexts), fp32) for name, e in ((BF16, bf16), (INT8, int8)) if e is not None}
    passed = {name: q["cos_mean"] >= 0.98 and q["ari"] >= 0.9 for name, q in checks.items()}
    quality_rows = "\n".join(
        f"| {name} | {q['cos_mean']:.5f} | {q['cos_p1']:.5f} | {q['ari']:.3f} | {q['ari_refit']:.3f} | "
        f"{'passed' if passed[name] else 'NOT passed'} |" for name, q in checks.items())
    reseeded = next(iter(checks.values()))["ari_fp32_reseeded"]
    default = pick_backend("auto", "all-MiniLM-L6-v2", "cpu")
    default_name = {"bf16": BF16, "onnx": INT8}.get(default, FP32)
    body = f"""
Command: `.venv/bin/python -m bench.run_all --only embed`. {n} review texts (a seeded sample of the clothing
reviews, mean {np.mean([len(t) for t in texts]):.0f} characters), the ways run in turn, {repeats} rounds;
texts/s from the median round. This CPU {"computes bfloat16 natively (AMX / AVX-512 BF16)" if bf16 else
"has no native bfloat16, so the bf16 row is left out"}.

| method | texts/s | vs sentence-transformers | seconds per round |
| --- | ---: | ---: | --- |
{rows}

**Quality of the fast backends** on {len(qtexts):,} other reviews against fp32 sentence-transformers: mean
cosine similarity (and its 1st percentile); ARI = KMeans (k=8) fitted on the fp32 vectors labels the fast
vectors as it labels the fp32 ones (do customers keep their segment?); refit ARI = KMeans refitted on the
fast vectors from the same starting centres. For scale, fp32 against fp32 with another KMeans seed gives
ARI {reseeded:.3f}: these reviews have no crisp clusters in the raw embedding space. Bar: cosine ≥ 0.98
and ARI ≥ 0.9.

| backend | mean cosine | 1st percentile | ARI | refit ARI | bar |
| --- | ---: | ---: | ---: | ---: | --- |
{quality_rows}

`--backend auto` on this machine: **{default}** ({default_name}, {rates[default_name] / base:.2f}× plain
sentence-transformers). Auto picks bf16 autocast on CPUs with native bfloat16, int8 ONNX for the default
model on other CPUs, PyTorch fp16 on a GPU; `--backend torch|bf16|onnx` chooses.
"""
    write_section("embed", f"1. Embedding throughput (CPU{' with native bfloat16' if bf16 else ''})", body)
    return {"rates": rates, "quality": checks, "default": default}
