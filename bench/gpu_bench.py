"""Section 4: GPU throughput (fp16 PyTorch, length-sorted batches of 512), when a CUDA GPU is visible."""

from __future__ import annotations

from bench.common import interleaved, median, review_texts
from bench.report import write_section


def run(n: int = 20_000) -> dict:
    import torch

    if not torch.cuda.is_available():
        write_section("gpu", "4. GPU throughput", """
Not measured: no GPU was lent to the session that ran the benchmarks, and this machine has none.
The GPU path (`SentenceTransformerEmbedder` on CUDA: fp16 weights, length-sorted batches of 512) is
written but unverified here; `python -m bench.run_all --only gpu` on a machine with an NVIDIA GPU fills
this section with texts/s for short and review-length texts and the device's name.
""")
        return {"gpu": None}
    from core.embed import SentenceTransformerEmbedder

    reviews = review_texts(n)
    short = [" ".join(t.split()[:20]) for t in reviews]  # about 30 tokens
    embedder = SentenceTransformerEmbedder(device="cuda")
    embedder.encode(short[:1024])
    seconds = interleaved({"short": lambda: embedder.encode(short), "review": lambda: embedder.encode(reviews)}, 3)
    rates = {name: len(reviews) / median(s) for name, s in seconds.items()}
    write_section("gpu", "4. GPU throughput", f"""
{torch.cuda.get_device_name(0)}, fp16, batches of {embedder.batch_size}, {len(reviews):,} texts, median of 3:
short texts (first 20 words, ~30 tokens) **{rates['short']:,.0f} texts/s**; whole reviews (~80 tokens)
**{rates['review']:,.0f} texts/s**.
""")
    return rates
