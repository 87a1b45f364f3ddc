"""Section 4: GPU throughput (fp16 PyTorch, content-keyed fixed-shape batches, tokenisation overlapped with the GPU).

On CUDA: texts/s of ``SentenceTransformerEmbedder`` (``core.represent.embedders.fixed_batches.encode_fixed``)
beside plain ``SentenceTransformer.encode`` on the same texts, against the target of 50,000 short texts/s on an
H100; and whether a text's vector is the same bits when the texts come in another order or in Ray-sized blocks
with other company (for the fixed batches and for plain ``encode``).
Without a GPU: the CPU-side check only (the same paths on this machine's CPU), and the GPU figures stay
"not measured".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from bench.common import interleaved, median, review_texts
from bench.report import write_section
from core.represent.embedders.fixed_batches import TOKENISE_CHUNK, encode_fixed
from core.represent.embedders.sentence_transformer import TOKENIZER_WORKERS, SentenceTransformerEmbedder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

TARGET = 50_000  # short texts/s on an H100
RAY_BLOCK = 2048  # texts per call in the company check: smaller than a Ray GPU actor's, the harder case


def workloads(n: int) -> dict[str, list[str]]:
    """``n`` whole reviews and the first 20 words of each."""
    reviews = review_texts(n)
    return {"short": [" ".join(t.split()[:20]) for t in reviews], "review": reviews}


def mean_tokens(model: SentenceTransformer, texts: Sequence[str]) -> float:
    """Mean tokens per text as the model reads them: special tokens included, cut at its ``max_seq_length``."""
    ids = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)["input_ids"]
    return float(np.mean([len(i) for i in ids]))


def tokenise(model: SentenceTransformer, texts: list[str]) -> None:
    """Tokenise ``texts`` in chunks, as the fixed-batch path's worker threads do, and nothing else."""
    for start in range(0, len(texts), TOKENISE_CHUNK):
        model.preprocess(texts[start : start + TOKENISE_CHUNK])


def same_bits(model: SentenceTransformer, texts: list[str], max_rows: int, seed: int = 0) -> dict[str, object]:
    """Whether each text's vector is the same bits when ``texts`` are embedded reversed, and shuffled in blocks
    of :data:`RAY_BLOCK` beside other texts (half of them new), by the fixed batches and by ``model.encode``
    (its length-sorted batches of ``max_rows``); with the largest absolute difference."""
    rng = np.random.default_rng(seed)
    half = len(texts) // 2
    shuffled = rng.permutation(len(texts))
    others = [f"{t} (again)" for t in texts[:half]]

    def in_blocks(embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        mixed = [*(texts[i] for i in shuffled), *others]
        order = rng.permutation(len(mixed))
        out = np.concatenate([embed([mixed[i] for i in order[s : s + RAY_BLOCK]])
                              for s in range(0, len(mixed), RAY_BLOCK)])
        back = np.empty_like(out)
        back[order] = out
        return back[: len(texts)][np.argsort(shuffled)]

    result: dict[str, object] = {}
    paths: dict[str, Callable[[list[str]], np.ndarray]] = {
        "fixed batches": lambda b: encode_fixed(model, b, workers=TOKENIZER_WORKERS, max_rows=max_rows),
        "model.encode": lambda b: model.encode(b, batch_size=max_rows, normalize_embeddings=True,
                                               show_progress_bar=False)}
    for name, embed in paths.items():
        base = embed(texts)
        for case, other in (("reversed", embed(texts[::-1])[::-1]), ("blocks with company", in_blocks(embed))):
            result[f"{name}, {case}"] = {"identical": bool(np.array_equal(base, other)),
                                         "max_abs_diff": float(np.abs(base - other).max())}
    return result


def bits_table(checks: dict[str, object]) -> str:
    """Markdown rows of :func:`same_bits`."""
    rows = ["| path, embedded again | every vector the same bits | largest difference |", "|---|---|---|"]
    for case, found in checks.items():
        assert isinstance(found, dict)
        rows.append(f"| {case} | {'yes' if found['identical'] else 'no'} | {found['max_abs_diff']:.2e} |")
    return "\n".join(rows)


def compare(model: SentenceTransformer, texts: dict[str, list[str]], batch_size: int, repeats: int,
            workers: int = 1) -> dict[str, float]:
    """Texts/s of the fixed batches (``workers`` tokeniser threads, at most ``batch_size`` rows), of
    ``model.encode`` and of tokenising alone in one thread on each workload, interleaved; median round."""
    runs: dict[str, Callable[[], object]] = {}
    for name, batch in texts.items():
        runs[f"{name}, fixed"] = partial(encode_fixed, model, batch, workers=workers, max_rows=batch_size)
        runs[f"{name}, model.encode"] = partial(model.encode, batch, batch_size=batch_size, normalize_embeddings=True,
                                                show_progress_bar=False)
        runs[f"{name}, tokenise"] = partial(tokenise, model, batch)
    seconds = interleaved(runs, repeats)
    return {run: len(texts[run.split(",")[0]]) / median(s) for run, s in seconds.items()}


def table(rates: dict[str, float], tokens: dict[str, float]) -> str:
    """Markdown rows: workload, tokens per text, texts/s fixed batches, plain and tokenising alone, the ratio."""
    rows = ["| texts | tokens/text (mean) | fixed batches texts/s | `model.encode` texts/s | ratio "
            "| tokenising alone, one thread, texts/s |", "|---|---|---|---|---|---|"]
    for name, tok in tokens.items():
        ours, plain, alone = (rates[f"{name}, {run}"] for run in ("fixed", "model.encode", "tokenise"))
        rows.append(f"| {name} | {tok:.1f} | {ours:,.0f} | {plain:,.0f} | {ours / plain:.2f}× | {alone:,.0f} |")
    return "\n".join(rows)


def cpu_check(n: int = 1000, repeats: int = 3) -> tuple[dict[str, float], dict[str, float], dict[str, object]]:
    """``compare`` on CPU (fp32, at most 64 rows), mean tokens per text, and :func:`same_bits` on the short
    texts, on ``n`` texts of each kind."""
    model = SentenceTransformerEmbedder(device="cpu").model
    texts = workloads(n)
    tokens = {name: mean_tokens(model, batch) for name, batch in texts.items()}
    encode_fixed(model, texts["short"][:128], max_rows=64)  # warm up
    return compare(model, texts, 64, repeats), tokens, same_bits(model, texts["short"], 64)


def run(n: int = 20_000, cpu_n: int = 1000) -> dict:
    """Write section 4: ``n`` texts of each kind on CUDA, or the CPU-side check on ``cpu_n`` without a GPU."""
    import torch

    if not torch.cuda.is_available():
        rates, tokens, bits = cpu_check(cpu_n)
        write_section("gpu", "4. GPU throughput", f"""
Not measured: no GPU was lent to the session that ran the benchmarks, and this machine has none.
The GPU path (`SentenceTransformerEmbedder` on CUDA: fp16 weights, content-keyed batches of one padded length
and a row count fixed by that length, the next texts tokenised in background threads while the GPU runs) is
written but unverified here;
`python -m bench.run_all --only gpu` on a machine with an NVIDIA GPU fills this section with texts/s for
short and review-length texts, the device's name, whether the target ({TARGET:,} short texts/s on an
H100) is met, and whether vectors keep their bits in another order or company.

CPU-side check instead: the same paths on this CPU ({torch.get_num_threads()} torch threads, fp32,
at most 64 rows), {cpu_n:,} texts of each kind, median of 3 interleaved rounds. `SentenceTransformerEmbedder`
embeds each text alone on CPU instead (`per_text_cpu`).

{table(rates, tokens)}

Same bits in another order or company (the {cpu_n:,} short texts, fp32 on this CPU):

{bits_table(bits)}
""")
        return {"gpu": None, "cpu": rates, "tokens": tokens, "same_bits": bits}
    embedder = SentenceTransformerEmbedder(device="cuda")
    model = embedder.model
    texts = workloads(n)
    tokens = {name: mean_tokens(model, batch) for name, batch in texts.items()}
    embedder.encode(texts["short"][:1024])  # warm up
    rows = embedder.batch_size
    assert rows is not None  # loading the model sets it
    rates = compare(model, texts, rows, 3, workers=TOKENIZER_WORKERS)
    bits = same_bits(model, texts["short"][:10_000], rows)
    short, device = rates["short, fixed"], torch.cuda.get_device_name(0)
    verdict = "met" if short >= TARGET else "missed"
    other = "" if "H100" in device else " (the target is set for an H100; this is another device)"
    write_section("gpu", "4. GPU throughput", f"""
{device}, fp16, at most {embedder.batch_size} rows, {len(texts['review']):,} texts of each kind, median of 3
interleaved rounds. Fixed batches = `SentenceTransformerEmbedder` (content-keyed batches of one padded length,
the next texts tokenised by {TOKENIZER_WORKERS} background thread(s)); `model.encode` = plain
sentence-transformers, length-sorted batches of the same size; tokenising alone = one thread by itself.

{table(rates, tokens)}

Target ≥ {TARGET:,} short texts/s on an H100: **{verdict}** ({short:,.0f} texts/s){other}.

Same bits in another order or company (10,000 short texts; blocks of {RAY_BLOCK:,} as a Ray actor gets them):

{bits_table(bits)}
""")
    return {"gpu": rates, "tokens": tokens, "target_met": short >= TARGET, "same_bits": bits}
