"""Embedding on Ray with GPUs: texts per second per GPU for short notes and review-length texts.

Starts Ray on this machine (or joins ``--ray-address``), plans one actor per GPU as ``--engine ray`` does
(:func:`core.distributed.engine.actor_plan`: ``num_gpus=1`` each, torch in fp16 on CUDA), and embeds ``--n``
texts of each kind through :class:`core.distributed.embed.EmbedBatches` into an empty workspace, so every
text is embedded. Without a GPU it writes that nothing was measured. Writes the ``ray_gpu`` section.

    .venv/bin/python -m bench.ray_gpu_bench [--n 200000] [--ray-address ADDR]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import pandas as pd

from bench.common import review_texts
from bench.report import write_section
from core.distributed.embed import EmbedBatches
from core.distributed.embedders import driver_embedders
from core.distributed.engine import actor_plan, ray_cluster
from core.distributed.run import GPU_EMBED_BATCH
from core.represent.embedders import EmbedderChoice
from core.testing.parts import customers


def texts_per_second_per_gpu(texts: list[str], plan_gpus: int, address: str | None) -> float:
    import ray.data

    frame = pd.DataFrame({"cid": [f"c{i}" for i in range(len(texts))], "note": texts})
    plan = actor_plan({"CPU": 1.0, "GPU": float(plan_gpus)})
    choice = EmbedderChoice("model", device="cuda", backend=plan.backend or "auto")  # as segment_on_ray plans it
    with tempfile.TemporaryDirectory() as ws:
        ds = ray.data.from_pandas(frame).map_batches(
            EmbedBatches, fn_constructor_args=({"cid": "id", "note": "text"}, "join", driver_embedders(), choice, ws),
            concurrency=plan.actors, num_cpus=plan.num_cpus, num_gpus=plan.num_gpus, batch_size=GPU_EMBED_BATCH,
            batch_format="pandas")
        started = time.perf_counter()
        embedded = int(sum(row["embedded"] for row in ds.iter_rows()))
        return embedded / (time.perf_counter() - started) / plan.actors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--ray-address")
    args = parser.parse_args()
    with ray_cluster(args.ray_address) as resources:
        gpus = int(resources.get("GPU", 0))
        if not gpus:
            write_section("ray_gpu", "Embedding on Ray with GPUs",
                          "Not measured: no GPU was available (`ray.cluster_resources()` listed none). Run "
                          "`.venv/bin/python -m bench.ray_gpu_bench` on a machine or cluster with NVIDIA GPUs.")
            return
        import torch

        device = torch.cuda.get_device_name(0)
        short = customers(args.n, seed=0)[0]["note"].tolist()
        reviews = review_texts(min(args.n, 23_000), seed=0)
        reviews = [reviews[i] for i in np.resize(np.arange(len(reviews)), args.n)]
        rates = {"short notes (5 words)": texts_per_second_per_gpu(short, gpus, args.ray_address),
                 "reviews (about 60 words)": texts_per_second_per_gpu(reviews, gpus, args.ray_address)}
    rows = "\n".join(f"| {kind} | {args.n:,} | {gpus} × {device} | {rate:,.0f} |" for kind, rate in rates.items())
    write_section("ray_gpu", "Embedding on Ray with GPUs",
                  f"Command: `.venv/bin/python -m bench.ray_gpu_bench --n {args.n}`. One actor per GPU, "
                  "all-MiniLM-L6-v2 in fp16, empty cache (every text embedded; repeated texts once).\n\n"
                  "| texts | n | GPUs | texts/s per GPU |\n| --- | --- | --- | --- |\n" + rows)


if __name__ == "__main__":
    main()
