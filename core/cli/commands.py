"""Command line.

* ``python -m core segment INPUT --out DIR [options]``: segment; ``DIR`` also receives the
  assignment model (``DIR/model``) so the folder can later score new customers.
* ``python -m core assign RUN INPUT --out DIR [--workspace DIR]``: give the customers of INPUT
  the segments of RUN (a ``segment`` output folder or a saved run id in the workspace); writes
  ``DIR/segments.csv`` with the same columns as ``segment`` does.
* ``python -m core sweep INPUT --out DIR [options]``: the same options as ``segment``; tries a
  range of clustering settings and recommends one.
* ``python -m core curate RUN_ID ...``: edit a run saved with ``segment --save-run`` (merge,
  split, rename, reassign outliers, reset) and write the curated files.

Exit 0 on success; exit 2 with one ``error:`` line on bad usage or bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from core.errors import CoreError, ParameterError
from core.ingest.io import MAX_ROWS, load_table
from core.ingest.privacy import hash_ids, workspace_key
from core.parameters import DEFAULT_WEIGHTS, SegmentParams
from core.pipeline import run_segmentation
from core.recommend.lists import RecommendParams
from core.represent.behaviour import InteractionInputs
from core.represent.embedders.runtime import BACKENDS
from core.represent.embedders.sentence_transformer import DEFAULT_MODEL
from core.runs.assign import (
    DEFAULT_K,
    MODEL_DIR,
    assign_table,
    assignment_model,
    locate_run,
    save_model,
)
from core.runs.curate import (
    merge_segments,
    reassign_outliers,
    rename,
    reset_curation,
    split_segment,
)
from core.runs.export import write_csv, write_json, write_outputs, write_recommendations
from core.runs.store import load_run, save_run
from core.segment.cluster import ClusterParams
from core.segment.quality import STABILITY_RUNS, sweep
from core.segment.reduce import ReduceParams

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
    _add_segment_options(seg, "folder for segments.csv, profiles.json, run.json")
    seg.add_argument("--stability-runs", type=int, default=STABILITY_RUNS,
                     help=f"re-cluster this many subsamples to measure stability (default {STABILITY_RUNS}, 0 skips)")
    seg.add_argument("--save-run", action="store_true",
                     help="also save the run in the workspace (for 'curate'); prints its id")
    swp = sub.add_parser("sweep", help="try a range of HDBSCAN minimum sizes or KMeans k and recommend one")
    _add_segment_options(swp, "folder for sweep.csv and sweep.json")
    swp.add_argument("--values", type=_values, default=None,
                     help="settings to try, e.g. 10,20,40 (default: a range that suits the algorithm)")
    cur = sub.add_parser("curate", help="merge, split, rename or reassign outliers in a saved run, then export it")
    cur.add_argument("run_id", help="id of a run saved with 'segment --save-run'")
    cur.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE, help="cache folder (default ./workspace)")
    cur.add_argument("--out", type=Path, help="write the curated segments.csv, profiles.json, run.json here")
    action = cur.add_mutually_exclusive_group()
    action.add_argument("--merge", nargs=2, type=int, metavar=("KEEP", "ABSORB"), help="move segment ABSORB into KEEP")
    action.add_argument("--split", type=int, metavar="SEGMENT", help="re-cluster one segment into --parts parts")
    action.add_argument("--rename", nargs=2, metavar=("SEGMENT", "NAME"), help="give a segment a name")
    action.add_argument("--reassign-outliers", action="store_true", help="give unassigned customers their nearest segment")
    action.add_argument("--reset", action="store_true", help="go back to the segmentation as first saved")
    cur.add_argument("--parts", type=int, default=2, help="with --split: number of parts (default 2)")
    cur.add_argument("--name", help="with --merge: name of the merged segment")
    asg = sub.add_parser("assign", help="give new customers the segments of a finished segmentation")
    asg.add_argument("run", help="an output folder of 'segment' or a saved run id in the workspace")
    asg.add_argument("input", help="customers table with the same columns (CSV, Parquet or XLSX)")
    asg.add_argument("--out", required=True, type=Path, help="folder for segments.csv")
    asg.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE, help="workspace (saved runs, embedding cache)")
    asg.add_argument("--neighbors", type=int, default=DEFAULT_K, help="training customers that vote for each new one")
    asg.add_argument("--hash-ids", action="store_true", help="replace customer ids in segments.csv by keyed hashes")
    asg.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _values(value: str) -> list[int]:
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"values are whole numbers separated by commas, not {value!r}") from None


def _add_segment_options(seg: argparse.ArgumentParser, out_help: str) -> None:
    seg.add_argument("input", help="customers table (CSV, Parquet or XLSX)")
    seg.add_argument("--out", required=True, type=Path, help=out_help)
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
    seg.add_argument("--min-samples", type=int, default=None, help="HDBSCAN min_samples (default: the minimum segment size, lowered on large inputs so its "
                     "neighbour table stays within 1 GiB)")
    seg.add_argument("--reassign-outliers", action="store_true", help="give HDBSCAN outliers their nearest segment")
    seg.add_argument("--seed", type=int, default=0)
    seg.add_argument("--model", default=DEFAULT_MODEL, help="sentence-transformers model name or local path")
    seg.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    seg.add_argument("--embedder", choices=["auto", "model", "lexical"], default="auto")
    seg.add_argument("--backend", choices=list(BACKENDS), default="auto",
                     help="model runtime: torch = PyTorch (fp32 on CPU, fp16 on CUDA); bf16 = PyTorch with bfloat16 "
                          "autocast on CPU (auto's choice on CPUs with AMX or AVX-512 BF16); onnx = int8 ONNX on CPU "
                          "(auto's choice for the default model on other CPUs)")
    seg.add_argument("--weight", action="append", type=_weight, default=[], metavar="BLOCK=W",
                     help="feature block weight, e.g. text=1 numeric=0.5 categorical=0.5")
    seg.add_argument("--dims", type=int, default=5, help="UMAP dimensions for clustering")
    seg.add_argument("--neighbors", type=int, default=15, help="UMAP n_neighbors")
    seg.add_argument("--map-dims", type=int, choices=[2, 3], default=2)
    seg.add_argument("--max-fit-rows", type=int, default=50_000, help="fit UMAP on at most this many rows")
    seg.add_argument("--interactions", type=Path, help="interactions table (user, item, value, time) for behaviour "
                     "features and recommendations")
    seg.add_argument("--interactions-user-col", help="the interactions' user column (default: the users' id column name)")
    seg.add_argument("--item-col", help="the item id column of the interactions and of the items table")
    seg.add_argument("--value-col", help="the interactions' value column (rating, quantity, amount)")
    seg.add_argument("--time-col", help="the interactions' timestamp column")
    seg.add_argument("--items", type=Path, help="items table (id named by --item-col; name, category, price)")
    seg.add_argument("--top-k", type=int, default=10, help="recommendations per customer and per segment list")
    seg.add_argument("--allow-pii", action="append", default=[], metavar="COLUMN",
                     help="use a column that looks like personal data (e-mail, phone) anyway (repeatable)")
    seg.add_argument("--max-rows", type=int, default=MAX_ROWS, help=f"refuse tables with more rows (default {MAX_ROWS:,})")
    seg.add_argument("--hash-ids", action="store_true", help="replace customer ids in the outputs by keyed hashes")
    seg.add_argument("--quiet", action="store_true", help="no progress on stderr")


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
        stability_runs=getattr(args, "stability_runs", 0),
        allow_pii=tuple(args.allow_pii), max_rows=args.max_rows,
    )


def _interaction_inputs(args: argparse.Namespace) -> InteractionInputs | None:
    """The interactions and items named on the command line, loaded, or None without --interactions."""
    if args.interactions is None:
        stray = [f"--{n.replace('_', '-')}" for n in ("interactions_user_col", "item_col", "value_col", "time_col", "items")
                 if getattr(args, n) is not None]
        if stray:
            raise ParameterError(f"{', '.join(stray)} only apply with --interactions FILE; add it or leave them out.")
        return None
    if not args.item_col:
        raise ParameterError("--interactions needs --item-col COL, the column that names the item of each interaction.")
    return InteractionInputs(load_table(args.interactions), args.item_col, args.interactions_user_col,
                             args.value_col, args.time_col, load_table(args.items) if args.items else None)


def cmd_segment(args: argparse.Namespace) -> int:
    params = params_from_args(args).validate()
    recommend = RecommendParams(top_k=args.top_k, seed=args.seed).validate()
    table = load_table(args.input)
    inputs = _interaction_inputs(args)
    progress = _progress_printer(args.quiet)
    progress("load", 0.0, table.describe())
    result = run_segmentation(table, params, args.workspace, progress, interactions=inputs,
                              recommend=recommend if inputs else None)
    run_info = {**result.run_info, "command": "segment", "output": str(args.out)}
    key = workspace_key(args.workspace) if args.hash_ids else None
    save_model(assignment_model(result), args.out / MODEL_DIR)
    paths = write_outputs(result.segments_frame(), result.profiles, run_info, args.out, id_key=key)
    recs = result.recommendations
    if recs is not None:
        users = recs.user_lists.assign(id=hash_ids(recs.user_lists["id"], key)) if key else recs.user_lists
        paths.update(write_recommendations(recs.segment_lists, users, recs.evaluation, args.out))
    for notice in result.notices:
        sys.stderr.write(f"note: {notice}\n")
    print(f"{len(result.customers):,} customers in {_summary(result.quality)}; wrote {paths['segments']}")
    if recs is not None:
        m, k = recs.evaluation["methods"], recs.evaluation["k"]
        figures = (f"blend precision@{k} {m['blend']['precision']:.3f} against popularity "
                   f"{m['popularity']['precision']:.3f}, recall@{k} {m['blend']['recall']:.3f} against "
                   f"{m['popularity']['recall']:.3f}" if m else recs.evaluation["note"].rstrip("."))
        print(f"recommendations: {figures}; wrote {paths['recommendations']}, {paths['user_recommendations']} "
              f"and {paths['evaluation']}")
    if args.save_run:
        print(f"saved run {save_run(result, args.workspace)}")
    return 0


def _summary(q: dict) -> str:
    sil = f", silhouette {q['silhouette']:.3f}" if q.get("silhouette") is not None else ""
    stable = q.get("stability")
    stab = f", stability ARI {stable['ari_mean']:.2f}" if stable and not q.get("curated") else ""
    return f"{q['n_segments']} segments ({q['outlier_share']:.1%} unassigned{sil}{stab})"


def _cell(value: object) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def cmd_sweep(args: argparse.Namespace) -> int:
    params = params_from_args(args).validate()
    table = load_table(args.input)
    progress = _progress_printer(args.quiet)
    result = run_segmentation(table, params, args.workspace, progress)
    progress("sweep", 0.0, f"Trying {params.cluster.algo} settings")
    found = sweep(result.cluster_space, params.cluster, args.values)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(pd.DataFrame(found["rows"]), args.out / "sweep.csv")
    write_json(found, args.out / "sweep.json")
    columns = ["value", "n_segments", "outlier_share", "silhouette", "dbcv"]
    print("\t".join([found["parameter"], *columns[1:]]))
    for row in found["rows"]:
        mark = "  <- recommended" if row["value"] == found["recommended"] else ""
        print("\t".join(_cell(row[c]) for c in columns) + mark)
    if found["recommended"] is not None:
        flag = "--k" if found["parameter"] == "k" else "--min-cluster-size"
        print(f"recommended: {flag} {found['recommended']} (best {found['criterion']}); wrote {args.out / 'sweep.csv'}")
    else:
        print(f"no setting found two or more segments; wrote {args.out / 'sweep.csv'}")
    return 0


def cmd_curate(args: argparse.Namespace) -> int:
    if args.merge:
        run = merge_segments(args.workspace, args.run_id, *args.merge, name=args.name)
    elif args.split is not None:
        run = split_segment(args.workspace, args.run_id, args.split, args.parts)
    elif args.rename:
        try:
            segment = int(args.rename[0])
        except ValueError:
            raise ParameterError(f"--rename takes a segment id (a number) and a name, not {args.rename[0]!r}.") from None
        run = rename(args.workspace, args.run_id, segment, args.rename[1])
    elif args.reassign_outliers:
        run = reassign_outliers(args.workspace, args.run_id)
    elif args.reset:
        run = reset_curation(args.workspace, args.run_id)
    else:
        run = load_run(args.workspace, args.run_id)
    for profile in run.profiles:
        print(f"{profile['segment_id']:>3}  {profile['size']:>7,}  {profile['name']}")
    print(f"{len(run.segments):,} customers in {_summary(run.run_info['quality'])}")
    if args.out:
        paths = write_outputs(run.segments, run.profiles, {**run.run_info, "command": "curate"}, args.out)
        print(f"wrote {paths['segments']}")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    folder = locate_run(args.run, args.workspace)
    table = load_table(args.input)
    progress = _progress_printer(args.quiet)
    progress("load", 0.0, table.describe())
    assignment = assign_table(table, folder, args.workspace, args.neighbors, progress)
    segments = assignment.segments
    if args.hash_ids:
        segments = segments.assign(id=hash_ids(segments["id"], workspace_key(args.workspace)))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "segments.csv"
    write_csv(segments, path)
    for notice in assignment.notices:
        sys.stderr.write(f"note: {notice}\n")
    counts = segments["segment_id"].value_counts()
    print(f"{len(segments):,} customers assigned to {int((counts.index >= 0).sum())} segments "
          f"({int(counts.get(-1, 0)):,} unassigned); wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "segment":
            return cmd_segment(args)
        if args.command == "sweep":
            return cmd_sweep(args)
        if args.command == "curate":
            return cmd_curate(args)
        if args.command == "assign":
            return cmd_assign(args)
    except CoreError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted.\n")
        return 130
    return 2

