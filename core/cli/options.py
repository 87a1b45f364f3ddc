"""What the commands share: the parser that fails in one line, options built from the declared parameters
(:mod:`core.schema`), the progress printer and the summary line."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from core import (
    CLUSTERERS,
    IF_EXISTS,
    TIME_UNIT,
    ClusterParams,
    InteractionInputs,
    LoadedTable,
    RecommendParams,
    SqlSource,
    SqlTarget,
    guess_item_column,
    load_source,
    table_source,
)
from core.errors import ParameterError
from core.parameters import DEFAULT_WEIGHTS, MAP_DIMS, SegmentParams
from core.progress import Progress
from core.schema import AUTO, Param, declared

DEFAULT_WORKSPACE = Path("workspace")
RUN_HELP = "an output folder of 'segment' or 'refresh', or a saved run or refresh id in the workspace"

#: the tuning options of segment and sweep: flag → the fields of SegmentParams it sets (the first one's
#: declaration gives its type, choices, default and help)
TUNING: dict[str, tuple[str, ...]] = {
    "--text-aggregation": ("text_aggregation",),
    "--algo": ("cluster.algo",),
    "--seed": ("cluster.seed", "reduce.seed", "map.seed"),
    "--model": ("embed.model",),
    "--device": ("embed.device",),
    "--embedder": ("embed.embedder",),
    "--backend": ("embed.backend",),
    "--dims": ("reduce.n_components",),
    "--neighbors": ("reduce.n_neighbors", "map.n_neighbors"),
    "--map-dims": ("map.n_components",),
    "--max-fit-rows": ("reduce.max_fit_rows", "map.max_fit_rows"),
    "--epochs": ("reduce.n_epochs", "map.n_epochs"),
    "--max-rows": ("max_rows",),
}
CHOICES = {"--map-dims": MAP_DIMS}  # narrower than the field's own bounds


def flag_of(name: str) -> str:
    """The command-line flag of a declared parameter: ``min_cluster_size`` → ``--min-cluster-size``."""
    return "--" + name.replace("_", "-")


def clusterer_parameters() -> dict[str, tuple[Param, Any, tuple[str, ...]]]:
    """Every registered clusterer's own parameters by name: (declaration, default, the algorithms that declare
    it). A name several clusterers declare (k) is one parameter: they declare it alike."""
    out: dict[str, tuple[Param, Any, tuple[str, ...]]] = {}
    for clusterer in CLUSTERERS.values():
        defaults = clusterer.Params()
        for name, declaration in clusterer.parameters().items():
            _, _, algos = out.get(name, (declaration, None, ()))
            out[name] = (declaration, getattr(defaults, name), (*algos, clusterer.name))
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        sys.stderr.write(f"error: {message}. Run '{self.prog} --help' for the options.\n")
        sys.exit(2)


def _lookup(obj: Any, path: str) -> tuple[Param, Any]:
    """The declaration and the default value of the field at ``path`` (e.g. "reduce.seed") below ``obj``."""
    *parents, name = path.split(".")
    for parent in parents:
        obj = getattr(obj, parent)
    return declared(obj)[name], getattr(obj, name)


def _with_value(obj: Any, path: str, value: object) -> Any:
    """``obj`` with the field at ``path`` set to ``value`` (frozen dataclasses are replaced, not changed)."""
    head, _, rest = path.partition(".")
    return replace(obj, **{head: _with_value(getattr(obj, head), rest, value) if rest else value})


def _typed(declaration: Param) -> Any:
    """An argparse type for a declared number: checks the form here, the bounds in ``validate``."""

    def parse(value: str) -> object:
        if declaration.auto and value == AUTO:
            return value
        try:
            return declaration.kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{declaration.what} must be {declaration.rule()}, not {value!r}") from None

    return parse


def add_declared(parser: argparse.ArgumentParser, flag: str, declaration: Param, default: object, **extra: Any) -> None:
    """One option built from a declared parameter: its type, choices, default and help."""
    if declaration.kind is bool:
        parser.add_argument(flag, action="store_true", help=declaration.help, **extra)
        return
    shown = "" if default is None else f" (default: {default})"
    kwargs: dict[str, Any] = {"default": default, "help": declaration.help + shown}
    choices = CHOICES.get(flag) or declaration.allowed()
    if choices:
        kwargs["choices"] = list(choices)
    if declaration.kind in (int, float):
        kwargs["type"] = _typed(declaration)
    parser.add_argument(flag, **kwargs, **extra)


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


def add_segment_options(seg: argparse.ArgumentParser, out_help: str) -> None:
    """The input, output and tuning options of ``segment`` and ``sweep``."""
    seg.add_argument("input", help="customers table (CSV, Parquet or XLSX; with --engine ray also a folder or glob "
                     "of Parquet/CSV parts; or a database URL with --table or --query)")
    add_sql_input_options(seg)
    seg.add_argument("--out", required=True, type=Path, help=out_help)
    seg.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE, help="cache folder (default ./workspace)")
    seg.add_argument("--id-col", help="column that identifies a customer (default: detected, else row numbers)")
    seg.add_argument("--text-col", action="append", default=[], help="free-text column to embed (repeatable)")
    seg.add_argument("--user-col", help="group rows per user by this column (one row per review/event)")
    seg.add_argument("--role", action="append", type=_role, default=[], metavar="COLUMN=ROLE",
                     help="override a detected role: id, text, numeric, categorical, date, ignore")
    defaults = SegmentParams()
    for flag, paths in TUNING.items():
        declaration, default = _lookup(defaults, paths[0])
        add_declared(seg, flag, declaration, default, dest=flag.lstrip("-").replace("-", "_"))
    for name, (declaration, default, algos) in clusterer_parameters().items():  # the chosen --algo's count
        add_declared(seg, flag_of(name), replace(declaration, help=f"{', '.join(algos)}: {declaration.help}"),
                     default, dest=name)
    seg.add_argument("--weight", action="append", type=_weight, default=[], metavar="BLOCK=W",
                     help="feature block weight, e.g. text=1 numeric=0.5 categorical=0.5")
    seg.add_argument("--interactions", help="interactions table (user, item, value, time) for behaviour "
                     "features and recommendations (a file, or a database URL with --interactions-table/-query)")
    seg.add_argument("--interactions-table", help="read the interactions from this table of the input's database")
    seg.add_argument("--interactions-query", help="read the interactions with this SELECT on the input's database")
    seg.add_argument("--interactions-user-col",
                     help="the interactions' user column (default: the users' id column name)")
    seg.add_argument("--item-col", help="the item id column of the interactions and of the items table")
    seg.add_argument("--value-col", help="the interactions' value column (rating, quantity, amount)")
    seg.add_argument("--time-col", help="the interactions' timestamp column")
    add_declared(seg, "--time-unit", TIME_UNIT, "auto")
    seg.add_argument("--items", help="items table (id named by --item-col; name, category, price)")
    seg.add_argument("--items-table", help="read the items from this table of the input's database")
    seg.add_argument("--items-query", help="read the items with this SELECT on the input's database")
    add_declared(seg, "--top-k", declared(RecommendParams)["top_k"], RecommendParams().top_k)
    add_declared(seg, "--method", declared(RecommendParams)["method"], RecommendParams().method)
    seg.add_argument("--allow-pii", action="append", default=[], metavar="COLUMN",
                     help="use a column that looks like personal data (e-mail, phone) anyway (repeatable)")
    seg.add_argument("--hash-ids", action="store_true", help="replace customer ids in the outputs by keyed hashes")
    seg.add_argument("--quiet", action="store_true", help="no progress on stderr")


def add_sql_input_options(parser: argparse.ArgumentParser) -> None:
    """``--table`` and ``--query``: what to read when the input is a database URL."""
    parser.add_argument("--table", help="with a database URL as input: the table of customers to read")
    parser.add_argument("--query", help="with a database URL as input: one read-only SELECT that gives the customers")


def add_sql_output_options(parser: argparse.ArgumentParser) -> None:
    """``--to-sql URL --to-table NAME [--if-exists …]``: also write segments.csv's rows to a database table."""
    parser.add_argument("--to-sql", metavar="URL", help="also write segments.csv's rows (and with recommendations the "
                        "per-customer lists, to TABLE_recommendations) to this database")
    parser.add_argument("--to-table", metavar="NAME", help="with --to-sql: the table to write")
    parser.add_argument("--if-exists", choices=IF_EXISTS, default="fail",
                        help="with --to-sql, when the table exists: fail, replace it (atomically) or append-run "
                             "(add the rows with a run_id column) (default: fail)")
    parser.add_argument("--run-id", help="with --if-exists append-run: the run_id of these rows "
                        "(default: the UTC time)")


def sql_target(args: argparse.Namespace) -> SqlTarget | None:
    """The database table ``--to-sql``/``--to-table`` name, checked before any work, or None."""
    if args.to_sql is None:
        stray = [flag for flag, value in (("--to-table", args.to_table), ("--run-id", args.run_id)) if value]
        stray += ["--if-exists"] if args.if_exists != "fail" else []
        if stray:
            raise ParameterError(f"{', '.join(stray)} only apply with --to-sql URL; add it or leave them out.")
        return None
    if not args.to_table:
        raise ParameterError("--to-sql needs --to-table NAME, the table to write the segments to.")
    return SqlTarget(args.to_sql, args.to_table, args.if_exists, args.run_id or "").validate()


def source_of(args: argparse.Namespace) -> SqlSource | str | Path:
    """Where the customers the positional INPUT names are: a file (or, on Ray, parts), or a database URL's
    --table or --query."""
    return table_source(args.input, args.table, args.query)


def _side_table(args: argparse.Namespace, name: str) -> LoadedTable | None:
    """``--NAME FILE_OR_URL``, or ``--NAME-table``/``--NAME-query`` on that URL or else on the input's database."""
    path, table, query = getattr(args, name), getattr(args, f"{name}_table"), getattr(args, f"{name}_query")
    if path is None and table is None and query is None:
        return None
    return load_source(args.input if path is None else path, table, query, what=f"--{name}-table or --{name}-query")


def params_from_args(args: argparse.Namespace) -> SegmentParams:
    """The :class:`SegmentParams` the options of ``segment`` or ``sweep`` describe (not yet validated)."""
    params = SegmentParams(
        id_col=args.id_col, text_cols=tuple(args.text_col), user_col=args.user_col, roles=tuple(args.role),
        weights=tuple({**DEFAULT_WEIGHTS, **dict(args.weight)}.items()), allow_pii=tuple(args.allow_pii),
        stability_runs=getattr(args, "stability_runs", 0),
        cluster=ClusterParams(args.algo, **{name: getattr(args, name) for name in CLUSTERERS[args.algo].parameters()}),
    )
    for flag, paths in TUNING.items():
        for path in paths:
            params = _with_value(params, path, getattr(args, flag.lstrip("-").replace("-", "_")))
    return params


def progress_printer(quiet: bool) -> Progress:
    """Progress lines on stderr, at most one every 2 seconds per stage (none with ``quiet``)."""
    last: dict[str, Any] = {"stage": None, "t": 0.0}

    def report(stage: str, fraction: float, message: str) -> None:
        now = time.perf_counter()
        if quiet or (stage == last["stage"] and 0 < fraction < 1 and now - last["t"] < 2):
            return
        last.update(stage=stage, t=now)
        sys.stderr.write(f"[{stage}] {message}\n")
        sys.stderr.flush()

    return report


def interaction_inputs(args: argparse.Namespace) -> InteractionInputs | None:
    """The interactions and items named on the command line, loaded, or None without --interactions."""
    if all(getattr(args, n) is None for n in ("interactions", "interactions_table", "interactions_query")):
        named = ("interactions_user_col", "item_col", "value_col", "time_col", "items", "items_table", "items_query")
        stray = [f"--{n.replace('_', '-')}" for n in named if getattr(args, n) is not None]
        stray += ["--time-unit"] if args.time_unit != "auto" else []
        if stray:
            raise ParameterError(f"{', '.join(stray)} only apply with --interactions FILE; add it or leave them out.")
        return None
    if args.time_unit != "auto" and not args.time_col:
        raise ParameterError("--time-unit says how the --time-col column is written; name that column too.")
    table = _side_table(args, "interactions")
    assert table is not None  # one of its three options is given
    item_col = args.item_col
    if not item_col:
        item_col = guess_item_column([str(c) for c in table.frame.columns if c != args.interactions_user_col])
        if not item_col:
            raise ParameterError("--interactions needs --item-col COL, the column that names the item of each "
                                 "interaction (no column is named like one).")
        sys.stderr.write(f"note: the interactions' item column is {item_col!r} (guessed from its name; name another "
                         "with --item-col).\n")
    return InteractionInputs(table, item_col, args.interactions_user_col, args.value_col, args.time_col,
                             _side_table(args, "items"), args.time_unit)


def summary(q: dict) -> str:
    sil = f", silhouette {q['silhouette']:.3f}" if q.get("silhouette") is not None else ""
    stable = q.get("stability")
    stab = f", stability ARI {stable['ari_mean']:.2f}" if stable and not q.get("curated") else ""
    return f"{q['n_segments']} segments ({q['outlier_share']:.1%} unassigned{sil}{stab})"
