"""Section 4: GPU throughput (fp16 PyTorch, length-sorted batches of 512, tokenisation overlapped with the GPU).

On CUDA: texts/s of ``SentenceTransformerEmbedder``
(``core.represent.embedders.sentence_transformer.encode_overlapped``) beside plain ``SentenceTransformer.encode``
on the same texts, against the target of 50,000 short texts/s on an H100.
Without a GPU: the CPU-side check only (the same two paths on this machine's CPU, which is how the
CPU path was chosen), and the GPU figures stay "not measured".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from bench.common import interleaved, median, review_texts
from bench.report import write_section
from core.represent.embedders.base import length_sorted_batches
from core.represent.embedders.sentence_transformer import (
    TOKENIZER_WORKERS,
    SentenceTransformerEmbedder,
    encode_overlapped,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

TARGET = 50_000  # short texts/s on an H100


def workloads(n: int) -> dict[str, list[str]]:
    """``n`` whole reviews and the first 20 words of each."""
    reviews = review_texts(n)
    return {"short": [" ".join(t.split()[:20]) for t in reviews], "review": reviews}


def mean_tokens(model: SentenceTransformer, texts: Sequence[str]) -> float:
    """Mean tokens per text as the model reads them: special tokens included, cut at its ``max_seq_length``."""
    ids = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)["input_ids"]
    return float(np.mean([len(i) for i in ids]))


def tokenise(model: SentenceTransformer, texts: list[str], batch_size: int) -> None:
    """Tokenise ``texts`` in length-sorted batches, as the overlapped path's worker thread does, and nothing else."""
    for idx in length_sorted_batches(texts, batch_size):
        model.preprocess([texts[i] for i in idx])


def compare(model: SentenceTransformer, texts: dict[str, list[str]], batch_size: int, repeats: int,
            workers: int = 1) -> dict[str, float]:
    """Texts/s of the overlapped path (``workers`` tokeniser threads), of ``model.encode`` and of tokenising
    alone in one thread on each workload, interleaved; median round."""
    runs = {}
    for name, batch in texts.items():
        runs[f"{name}, overlapped"] = lambda b=batch: encode_overlapped(model, b, batch_size, workers=workers)
        runs[f"{name}, model.encode"] = lambda b=batch: model.encode(
            b, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
        runs[f"{name}, tokenise"] = lambda b=batch: tokenise(model, b, batch_size)
    seconds = interleaved(runs, repeats)
    return {run: len(texts[run.split(",")[0]]) / median(s) for run, s in seconds.items()}


def table(rates: dict[str, float], tokens: dict[str, float]) -> str:
    """Markdown rows: workload, tokens per text, texts/s overlapped, plain and tokenising alone, the ratio."""
    rows = ["| texts | tokens/text (mean) | overlapped texts/s | `model.encode` texts/s | ratio "
            "| tokenising alone, one thread, texts/s |", "|---|---|---|---|---|---|"]
    for name, tok in tokens.items():
        ours, plain, alone = (rates[f"{name}, {run}"] for run in ("overlapped", "model.encode", "tokenise"))
        rows.append(f"| {name} | {tok:.1f} | {ours:,.0f} | {plain:,.0f} | {ours / plain:.2f}× | {alone:,.0f} |")
    return "\n".join(rows)


def cpu_check(n: int = 1000, repeats: int = 3) -> tuple[dict[str, float], dict[str, float]]:
    """``compare`` on CPU (fp32, batches of 64) and mean tokens per text, on ``n`` texts of each kind."""
    embedder = SentenceTransformerEmbedder(device="cpu")
    model = embedder.model
    texts = workloads(n)
    tokens = {name: mean_tokens(model, batch) for name, batch in texts.items()}
    encode_overlapped(model, texts["short"][:128], embedder.batch_size)  # warm up
    return compare(model, texts, embedder.batch_size, repeats), tokens


def run(n: int = 20_000, cpu_n: int = 1000) -> dict:
    """Write section 4: ``n`` texts of each kind on CUDA, or the CPU-side check on ``cpu_n`` without a GPU."""
    import torch

    if not torch.cuda.is_available():
        rates, tokens = cpu_check(cpu_n)
        write_section("gpu", "4. GPU throughput", f"""
Not measured: no GPU was lent to the session that ran the benchmarks, and this machine has none.
The GPU path (`SentenceTransformerEmbedder` on CUDA: fp16 weights, length-sorted batches of 512, the next
batch tokenised in a background thread while the GPU runs this one) is written but unverified here;
`python -m bench.run_all --only gpu` on a machine with an NVIDIA GPU fills this section with texts/s for
short and review-length texts, the device's name and whether the target ({TARGET:,} short texts/s on an
H100) is met.

CPU-side check instead: the same two paths on this CPU ({torch.get_num_threads()} torch threads, fp32,
batches of 64), {cpu_n:,} texts of each kind, median of 3 interleaved rounds. `SentenceTransformerEmbedder`
keeps `model.encode` on CPU, where the overlapped path was not faster: tokenising is a small share of a CPU
forward pass, and the worker thread competes with torch's threads for the cores.

{table(rates, tokens)}
""")
        return {"gpu": None, "cpu": rates, "tokens": tokens}
    embedder = SentenceTransformerEmbedder(device="cuda")
    model = embedder.model
    texts = workloads(n)
    tokens = {name: mean_tokens(model, batch) for name, batch in texts.items()}
    embedder.encode(texts["short"][:1024])  # warm up
    rates = compare(model, texts, embedder.batch_size, 3, workers=TOKENIZER_WORKERS)
    short, device = rates["short, overlapped"], torch.cuda.get_device_name(0)
    verdict = "met" if short >= TARGET else "missed"
    other = "" if "H100" in device else " (the target is set for an H100; this is another device)"
    write_section("gpu", "4. GPU throughput", f"""
{device}, fp16, batches of {embedder.batch_size}, {len(texts['review']):,} texts of each kind, median of 3
interleaved rounds. Overlapped = `SentenceTransformerEmbedder` (the next batches tokenised and pinned by
{TOKENIZER_WORKERS} background thread(s)); `model.encode` = plain sentence-transformers, same model and batch
size; tokenising alone = one worker thread's share of the work by itself.

{table(rates, tokens)}

Target ≥ {TARGET:,} short texts/s on an H100: **{verdict}** ({short:,.0f} texts/s){other}.
""")
    return {"gpu": rates, "tokens": tokens, "target_met": short >= TARGET}
