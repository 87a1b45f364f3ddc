"""The default English model on this CPU: the command line's embed stage against plain sentence-transformers.

On 800 clothing reviews, in one run, rounds alternating:

* **embed stage**: ``python -m core segment`` (``--embedder auto --backend auto``, so this machine's own
  choice) in a fresh process and a fresh workspace (no cached vectors), timed by the pipeline itself
  (``run.json`` stages → embed: language check, model load, encoding, cache writes). The ONNX export
  cache is warm: the export runs once per machine and model, before the rounds.
* **plain sentence-transformers**: ``SentenceTransformer(path, device="cpu").encode(texts, batch_size=32,
  normalize_embeddings=True)`` in a fresh process, timed from after ``import sentence_transformers``
  (the import, 5–10 s, is left out in its favour and shown apart).
* **encode only**: both models already loaded in this process, the same texts, interleaved.

Then where the ONNX forward pass spends its time (ONNX Runtime's per-op profile, one thread) and the
quality bar of the auto backend's vectors against fp32 (``embed_bench.quality``). Run:
``.venv/bin/python -m bench.run_all --only embed_stage``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import ROOT, TEXT_COL, interleaved, median, review_texts
from bench.embed_bench import quality
from bench.report import BENCHMARKS, cpu_info, write_section
from core.represent.embedders import EmbedderChoice
from core.represent.embedders.onnx import OnnxEmbedder
from core.represent.embedders.onnx_export import exported_model, session
from core.represent.embedders.runtime import backend_reason, cpu_has_bf16
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder, resolve_model_path
from core.represent.text import choose_embedder

_PLAIN_CHILD = """
import json, sys, time
started = time.perf_counter()
from sentence_transformers import SentenceTransformer
imported = time.perf_counter()
texts = json.load(open(sys.argv[2]))
SentenceTransformer(sys.argv[1], device="cpu").encode(texts, batch_size=32, normalize_embeddings=True)
print(json.dumps({"import": imported - started, "load_encode": time.perf_counter() - imported}))
"""


def cpu_flags() -> str:
    """The vector extensions this CPU has and lacks."""
    flags = cpu_info()[1]
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16")
    return ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in wanted)


def embed_stage(csv: Path, folder: Path, backend: str = "auto") -> tuple[float, str]:
    """Seconds of the embed stage of one ``segment --backend backend`` run in a fresh process and workspace,
    and the backend it ran on (``auto`` resolved)."""
    out, workspace = folder / "out", folder / "ws"
    subprocess.run([sys.executable, "-m", "core", "segment", str(csv), "--out", str(out), "--workspace",
                    str(workspace), "--text-col", TEXT_COL, "--algo", "kmeans", "--k", "8", "--backend", backend,
                    "--quiet"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    info = json.loads((out / "run.json").read_text())
    return float(info["stages"]["embed"]["seconds"]), str(info["embedding"]["backend"])


def cpu_kind() -> str:
    """A short name for this CPU's kind: its vendor and the widest int8/bfloat16 extension it has."""
    model, flags = cpu_info()
    vendor = "Intel Xeon" if "Intel" in model else "AMD EPYC" if "AMD" in model else model
    if "amx_bf16" in flags:
        return f"{vendor}, AMX"
    if "avx512_vnni" in flags:
        return f"{vendor}, AVX-512 VNNI{' + BF16' if 'avx512_bf16' in flags else ''}"
    return f"{vendor}, {'AVX2' if 'avx2' in flags else 'no AVX2'} only"


def per_cpu_table(row: str) -> str:
    """The per-CPU-kind table of the embed_stage section: earlier machines' rows kept, this kind's replaced."""
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else ""
    kept = [line for line in re.findall(r"^\| (?:Intel|AMD).*$", _section(text), re.M)
            if line.split(" | ")[0] != row.split(" | ")[0]]
    return "\n".join([CPU_TABLE_HEAD, *kept, row])


def _section(text: str) -> str:
    found = re.search(r"<!-- BEGIN embed_stage -->.*?<!-- END embed_stage -->", text, re.S)
    return found.group(0) if found else ""


CPU_TABLE_HEAD = """| CPU kind | texts | embed stage, `auto` → backend | \
per backend: embed stage s (× plain ST load + encode) | quality vs fp32 (cosine, ARI) |
| --- | ---: | --- | --- | --- |"""


def plain(texts_json: Path) -> dict[str, float]:
    """Import and load + encode seconds of plain sentence-transformers in a fresh process."""
    done = subprocess.run([sys.executable, "-c", _PLAIN_CHILD, resolve_model_path("all-MiniLM-L6-v2"),
                           str(texts_json)], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def op_profile(embedder: OnnxEmbedder, texts: list[str]) -> Counter[str]:
    """Seconds per ONNX op type embedding ``texts`` on one thread (ONNX Runtime's profiler)."""
    with tempfile.TemporaryDirectory() as tmp:
        runner = copy.copy(embedder.runner)
        runner.session = session(exported_model(Path(resolve_model_path(embedder.model_name))), f"{tmp}/ops")
        runner.encode(texts)
        events = json.loads(Path(runner.session.end_profiling()).read_text())
    seconds: Counter[str] = Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            seconds[event["args"]["op_name"]] += event["dur"] / 1e6
    return seconds


def run(n: int = 800, rounds: int = 3, quality_n: int = 1000) -> dict:
    texts = review_texts(n)
    load = os.getloadavg()
    backends = ["onnx", *(["bf16"] if cpu_has_bf16() else []), "torch"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv, texts_json = folder / "reviews.csv", folder / "texts.json"
        pd.DataFrame({"id": range(n), TEXT_COL: texts}).to_csv(csv, index=False)
        texts_json.write_text(json.dumps(texts))
        ours, notices = choose_embedder(texts, EmbedderChoice(device="cpu"))
        ours.encode(texts[:8])  # exports once if this machine has no export yet (the export cache is then warm)
        stage: dict[str, list[float]] = {b: [] for b in ["auto", *backends]}
        st, picked = [], ""
        for i in range(rounds):
            for backend in stage:
                seconds, ran = embed_stage(csv, folder / f"round{i}-{backend}", backend)
                stage[backend].append(seconds)
                picked = ran if backend == "auto" else picked
            st.append(plain(texts_json))
    reference = SentenceTransformerEmbedder(device="cpu").model
    reference.encode(texts[:32])
    encode = interleaved({"ours": lambda: ours.encode(texts),
                          "plain": lambda: reference.encode(texts, batch_size=32, normalize_embeddings=True)},
                         rounds)
    ops = op_profile(ours, texts) if isinstance(ours, OnnxEmbedder) else Counter()
    qtexts = review_texts(quality_n, seed=1)
    fp32 = reference.encode(qtexts, batch_size=32, normalize_embeddings=True)
    checks = {b: quality(embedder_for(b).encode(qtexts), fp32) for b in backends if b != "torch"}
    passed = {b: c["cos_mean"] >= 0.98 and c["ari"] >= 0.95 for b, c in checks.items()}
    st_load_encode = [r["load_encode"] for r in st]
    ratios = {b: median(st_load_encode) / median(v) for b, v in stage.items()}
    encode_ratio = median(encode["plain"]) / median(encode["ours"])

    def secs(values: list[float]) -> str:
        return ", ".join(f"{v:.1f}" for v in values)

    def bar(backend: str) -> str:
        c = checks.get(backend)
        return f"{c['cos_mean']:.4f}, {c['ari']:.3f}" if c else "fp32 itself"

    total = sum(ops.values())
    matmul = sum(v for k, v in ops.items() if k in ("DynamicQuantizeMatMul", "QAttention", "MatMulInteger"))
    op_rows = "\n".join(f"| {k} | {v:.2f} | {v / total:.0%} |" for k, v in ops.most_common())
    profile = f"""
**Where the time goes** (ONNX Runtime's per-op profile of the same {n} texts on one thread, {total:.1f} s of
kernels): the int8 matrix products (DynamicQuantizeMatMul, QAttention: the attention's projections and
its scores) take **{matmul / max(total, 1e-9):.0%}**; the rest is LayerNormalization, GELU and glue.

| op | seconds | share |
| --- | ---: | ---: |
{op_rows}
""" if ops else ""
    backend_rows = "\n".join(
        f"| `--backend {b}`{f' (→ {picked})' if b == 'auto' else ''} | {secs(v)} | {secs(st_load_encode)} | "
        f"**{ratios[b]:.2f}×** | {bar(picked if b == 'auto' else b)} |" for b, v in stage.items())
    cpu_row = (f"| {cpu_kind()} | {n} | **{ratios['auto']:.2f}×** → {picked} | "
               + "; ".join(f"{b} {median(stage[b]):.1f} s ({ratios[b]:.2f}×)" for b in backends)
               + f" | {'; '.join(f'{b} {bar(b)}' for b in checks)} |")

    body = f"""
Command: `.venv/bin/python -m bench.run_all --only embed_stage` (bench/embed_stage_bench.py). This CPU: {cpu_flags()};
load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) at the start, on a machine shared
with other work. {n} English clothing reviews (a seeded sample, mean {np.mean([len(t) for t in texts]):.0f}
characters), {rounds} rounds alternating; ratios of medians. `--backend auto` here: **{picked}**
(`{ours.model_id}`; {backend_reason(picked, "all-MiniLM-L6-v2")}).

**Per CPU kind** (each row written by this bench on a machine of that kind; earlier rows kept):

{per_cpu_table(cpu_row)}

**This machine, every backend side by side** (each `python -m core segment --backend B` in a fresh process and
workspace, the model load included, against plain sentence-transformers' load + encode in its own fresh process):

| backend | embed stage (s per round) | plain sentence-transformers (s per round) | speed-up | \
quality vs fp32 (mean cosine, KMeans ARI) |
| --- | --- | --- | ---: | --- |
{backend_rows}

Encode only (both loaded, same process, interleaved): ours {secs(encode["ours"])} s, plain
{secs(encode["plain"])} s → **{encode_ratio:.2f}×**.

The embed stage is timed by the pipeline (run.json) with the ONNX export cache warm; plain
sentence-transformers is `SentenceTransformer(path, device="cpu")` then `.encode(texts, batch_size=32,
normalize_embeddings=True)`. Every backend embeds each text alone (no pad tokens), so a text's vector does not
depend on the texts beside it (tests/unit/test_embed_company.py).
{profile}
Importing sentence-transformers itself took {secs([r["import"] for r in st])} s per round, not counted
above; the ONNX embed stage needs neither torch nor transformers once the export exists.

**Quality** on {quality_n:,} other reviews against fp32 sentence-transformers (KMeans k=8 fitted on fp32 labels
the backend's vectors): {"; ".join(f"{b}: mean cosine {c['cos_mean']:.5f} (1st percentile {c['cos_p1']:.5f}), "
f"ARI {c['ari']:.3f} (refit {c['ari_refit']:.3f}), {'passed' if passed[b] else 'NOT passed'}"
for b, c in checks.items())}. Bar: cosine ≥ 0.98, ARI ≥ 0.95. fp32 against fp32 reseeded:
{next(iter(checks.values()))["ari_fp32_reseeded"]:.3f}.
{" ".join(notices)}
"""
    write_section("embed_stage", "1b. The default English model on each CPU kind: embed stage", body)
    return {"ratios": ratios, "encode_ratio": encode_ratio, "quality": checks, "stage": stage,
            "plain": st, "load": load, "picked": picked}


def embedder_for(backend: str) -> OnnxEmbedder | SentenceTransformerEmbedder:
    """The default model on ``backend`` (onnx, bf16 or torch) on CPU."""
    if backend == "onnx":
        return OnnxEmbedder()
    return SentenceTransformerEmbedder(device="cpu", precision="bf16" if backend == "bf16" else "fp32")
