"""``--engine local|ray``, ``--ray-address`` and ``--sample-size`` for ``segment`` and ``assign``: the
:class:`~core.tasks.engine.Engine` the task runs on."""

from __future__ import annotations

import argparse

from core import EngineParams
from core.cli.options import add_declared
from core.schema import declared
from core.tasks import Engine


def add_engine_options(parser: argparse.ArgumentParser, sample: bool = True) -> None:
    """The engine options, from :class:`~core.distributed.engine.EngineParams`' declarations."""
    defaults, declarations = EngineParams(), declared(EngineParams)
    add_declared(parser, "--engine", declarations["engine"], defaults.engine)
    parser.add_argument("--ray-address", help="with --engine ray: join the Ray cluster at this address "
                                              "(default: start Ray on this machine for the command)")
    if sample:
        add_declared(parser, "--sample-size", declarations["sample_size"], defaults.sample_size,
                     dest="sample_size")


def engine_from_args(args: argparse.Namespace) -> Engine:
    """The engine the options name."""
    params = EngineParams(engine=args.engine, sample_size=getattr(args, "sample_size", EngineParams().sample_size))
    return Engine(params, address=args.ray_address)
