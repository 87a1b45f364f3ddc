"""``python -m core sweep INPUT --out DIR [options]``: the options of ``segment``; clusters the reduced
space with a range of one setting (the clusterer says which) and recommends one."""

from __future__ import annotations

import argparse

from core.cli.options import add_segment_options, flag_of, params_from_args, progress_printer, source_of
from core.tasks import sweep

NAME = "sweep"
HELP = "try a range of one clustering setting (HDBSCAN minimum size, k) and recommend one"


def add_arguments(swp: argparse.ArgumentParser) -> None:
    add_segment_options(swp, "folder for sweep.csv and sweep.json")
    swp.add_argument("--values", type=_values, default=None,
                     help="settings to try, e.g. 10,20,40 (default: a range that suits the algorithm)")


def _values(value: str) -> list[int]:
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"values are whole numbers separated by commas, not {value!r}") from None


def _cell(value: object) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def run(args: argparse.Namespace) -> int:
    params = params_from_args(args).validate()
    done = sweep(source_of(args), params, args.workspace, args.out, args.values, progress=progress_printer(args.quiet))
    found = done.found
    columns = ["value", "n_segments", "outlier_share", "silhouette", "dbcv"]
    print("\t".join([found["parameter"], *columns[1:]]))
    for row in found["rows"]:
        mark = "  <- recommended" if row["value"] == found["recommended"] else ""
        print("\t".join(_cell(row[c]) for c in columns) + mark)
    if found["recommended"] is not None:
        flag = flag_of(found["parameter"])
        print(f"recommended: {flag} {found['recommended']} (best {found['criterion']}); wrote {done.paths['sweep']}")
    else:
        print(f"no setting found two or more segments; wrote {done.paths['sweep']}")
    return 0
