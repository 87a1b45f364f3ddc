"""``--engine local|ray``, ``--ray-address`` and ``--sample-size`` for ``segment`` and ``assign``, and what
those commands do on Ray (:mod:`core.distributed.run`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.options import add_declared, summary
from core.distributed.engine import EngineParams
from core.distributed.run import assign_on_ray, segment_on_ray
from core.errors import ParameterError
from core.parameters import SegmentParams
from core.progress import Progress
from core.runs.assign import locate_run
from core.schema import Param, check_fields

_LOCAL_ONLY = {"interactions": "--interactions", "hash_ids": "--hash-ids", "table": "--table", "query": "--query",
               "to_sql": "--to-sql"}


def add_engine_options(parser: argparse.ArgumentParser, declarations: dict[str, Param],
                       sample: bool = True) -> None:
    """The engine options, from :class:`~core.distributed.engine.EngineParams`' declarations."""
    defaults = EngineParams()
    add_declared(parser, "--engine", declarations["engine"], defaults.engine)
    parser.add_argument("--ray-address", help="with --engine ray: join the Ray cluster at this address "
                                              "(default: start Ray on this machine for the command)")
    if sample:
        add_declared(parser, "--sample-size", declarations["sample_size"], defaults.sample_size,
                     dest="sample_size")


def _engine(args: argparse.Namespace) -> EngineParams:
    engine = EngineParams(engine=args.engine, sample_size=getattr(args, "sample_size", EngineParams().sample_size))
    check_fields(engine)
    return engine


def _refuse_local_only(args: argparse.Namespace) -> None:
    """One sentence naming the given options that only the local engine has."""
    stray = [flag for name, flag in _LOCAL_ONLY.items() if getattr(args, name, None)]
    if stray:
        verb, them = ("works", "it") if len(stray) == 1 else ("work", "them")
        raise ParameterError(f"{', '.join(stray)} {verb} with --engine local only; leave {them} out with --engine ray.")


def segment_with_engine(args: argparse.Namespace, params: SegmentParams, progress: Progress) -> int:
    """``segment`` on the engine ``--engine`` names (not local)."""
    engine = _engine(args)
    _refuse_local_only(args)
    done = segment_on_ray(args.input, params, args.out, args.workspace, sample_size=engine.sample_size,
                          address=args.ray_address, progress=progress, save=args.save_run)
    for notice in done.run_info["notices"]:
        sys.stderr.write(f"note: {notice}\n")
    wrote = done.paths.get("segments", done.paths["segments_parts"])
    print(f"{done.customers:,} customers in {summary(done.quality)} (fitted on {done.run_info['sample']['size']:,}, "
          f"on Ray); wrote {wrote} and {done.paths['segments_parts']}")
    if done.run_id:
        print(f"saved run {done.run_id}")
    return 0


def assign_with_engine(args: argparse.Namespace, progress: Progress) -> int:
    """``assign`` on the engine ``--engine`` names (not local)."""
    _engine(args)
    _refuse_local_only(args)
    folder = locate_run(args.run, args.workspace)
    done = assign_on_ray(folder, args.input, Path(args.out), args.workspace, k=args.neighbors,
                         address=args.ray_address, progress=progress)
    counts = done.run_info["segments"]
    wrote = done.paths.get("segments", done.paths["segments_parts"])
    print(f"{done.customers:,} customers assigned to {sum(1 for s in counts if int(s) >= 0)} segments "
          f"({counts.get('-1', 0):,} unassigned, on Ray); wrote {wrote} and {done.paths['segments_parts']}")
    return 0
