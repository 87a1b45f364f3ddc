"""Command line: ``python -m core segment INPUT --out DIR [options]``.

Exit 0 on success; exit 2 with one ``error:`` line on bad usage or bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from core.cluster import ClusterParams
from core.embed import DEFAULT_MODEL
from core.errors import CoreError
from core.export import write_outputs
from core.io import load_table
from core.pipeline import DEFAULT_WEIGHTS, SegmentParams, run_segmentation
from core.reduce import ReduceParams

DEFAULT_WORKSPACE = Path("workspace")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        sys.stderr.write(f"error: {message}. Run 'python -m core {self.prog.split()[-1]} --help' for the options.\n")
        sys.exit(2)


def _k(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"k must be a whole number or 'auto', not {value!r}") from None


def _weight(value: str) -> tuple[str, float]:
    name, _, number = value.partition("=")
    if name not in DEFAULT_WEIGHTS or not number:
        raise argparse.ArgumentTypeError(f"a weight is BLOCK=NUMBER with BLOCK one of {', '.join(DEFAULT_WEIGHTS)}")
    try:
        return name, float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{number!r} is not a number") from None


def _role(value: str) -> tuple[str, str]:
    name, sep, role = value.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("a role is COLUMN=ROLE, e.g. 'Age=numeric'")
    return name, role


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Segment Studio from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    seg = sub.add_parser("segment", help="segment the customers of a CSV, Parquet or XLSX file")
    seg.add_argument("input", help="customers table (CSV, Parquet or XLSX)")
    seg.add_argument("--out", required=True, type=Path, help="folder for segments.csv, profiles.json, run.json")
    seg.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE, help="cache folder (default ./workspace)")
    seg.add_argument("--id-col", help="column that identifies a customer (default: detected, else row numbers)")
    seg.add_argument("--text-col", action="append", default=[], help="free-text column to embed (repeatable)")
    seg.add_argument("--user-col", help="group rows per user by this column (one row per review/event)")
    seg.add_argument("--role", action="append", type=_role, default=[], metavar="COLUMN=ROLE",
                     help="override a detected role: id, text, numeric, categorical, date, ignore")
    seg.add_argument("--text-aggregation", choices=["join", "mean"], default="join",
                     help="with --user-col: join a user's texts or average their embeddings")
    seg.add_argument("--algo", choices=["hdbscan", "kmeans"], default="hdbscan")
    seg.add_argument("--k", type=_k, default="auto", help="number of KMeans segments, or 'auto' (by silhouette)")
    seg.add_argument("--min-cluster-size", type=int, default=30, help="HDBSCAN minimum segment size")
    seg.add_argument("--min-samples", type=int, default=None, help="HDBSCAN min_samples")
    seg.add_argument("--reassign-outliers", action="store_true", help="give HDBSCAN outliers their nearest segment")
    seg.add_argument("--seed", type=int, default=0)
    seg.add_argument("--model", default=DEFAULT_MODEL, help="sentence-transformers model name or local path")
    seg.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    seg.add_argument("--embedder", choices=["auto", "model", "lexical"], default="auto")
    seg.add_argument("--backend", choices=["auto", "torch", "onnx"], default="auto",
                     help="model runtime: onnx = int8 ONNX on CPU (auto's choice for the default model on CPU), "
                          "torch = PyTorch (fp32 on CPU, fp16 on CUDA)")
    seg.add_argument("--weight", action="append", type=_weight, default=[], metavar="BLOCK=W",
                     help="feature block weight, e.g. text=1 numeric=0.5 categorical=0.5")
    seg.add_argument("--dims", type=int, default=5, help="UMAP dimensions for clustering")
    seg.add_argument("--neighbors", type=int, default=15, help="UMAP n_neighbors")
    seg.add_argument("--map-dims", type=int, choices=[2, 3], default=2)
    seg.add_argument("--max-fit-rows", type=int, default=50_000, help="fit UMAP on at most this many rows")
    seg.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _progress_printer(quiet: bool):  # noqa: ANN202
    last = {"stage": None, "t": 0.0}

    def report(stage: str, fraction: float, message: str) -> None:
        now = time.perf_counter()
        if quiet or (stage == last["stage"] and 0 < fraction < 1 and now - last["t"] < 2):
            return
        last.update(stage=stage, t=now)
        sys.stderr.write(f"[{stage}] {message}\n")
        sys.stderr.flush()

    return report


def params_from_args(args: argparse.Namespace) -> SegmentParams:
    weights = {**DEFAULT_WEIGHTS, **dict(args.weight)}
    return SegmentParams(
        id_col=args.id_col, text_cols=tuple(args.text_col), user_col=args.user_col, roles=tuple(args.role),
        text_aggregation=args.text_aggregation, embedder=args.embedder, model=args.model, device=args.device,
        backend=args.backend,
        weights=tuple(weights.items()),
        reduce=ReduceParams(n_components=args.dims, n_neighbors=args.neighbors, min_dist=0.0,
                            max_fit_rows=args.max_fit_rows, seed=args.seed),
        map=ReduceParams(n_components=args.map_dims, n_neighbors=args.neighbors, min_dist=0.1,
                         max_fit_rows=args.max_fit_rows, seed=args.seed),
        cluster=ClusterParams(algo=args.algo, k=args.k, min_cluster_size=args.min_cluster_size,
                              min_samples=args.min_samples, reassign_outliers=args.reassign_outliers, seed=args.seed),
    )


def cmd_segment(args: argparse.Namespace) -> int:
    params = params_from_args(args).validate()
    table = load_table(args.input)
    progress = _progress_printer(args.quiet)
    progress("load", 0.0, table.describe())
    result = run_segmentation(table, params, args.workspace, progress)
    run_info = {**result.run_info, "command": "segment", "output": str(args.out)}
    paths = write_outputs(result.segments_frame(), result.profiles, run_info, args.out)
    for notice in result.notices:
        sys.stderr.write(f"note: {notice}\n")
    q = result.quality
    sil = f", silhouette {q['silhouette']:.3f}" if q.get("silhouette") is not None else ""
    print(f"{len(result.customers):,} customers in {q['n_segments']} segments "
          f"({q['outlier_share']:.1%} unassigned{sil}); wrote {paths['segments']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "segment":
            return cmd_segment(args)
    except CoreError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted.\n")
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
