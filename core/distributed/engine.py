"""The engine choice (``local`` | ``ray``), the Ray cluster's lifetime, and how many actors get which resources.

``local`` is the single-process pipeline (:func:`core.pipeline.run_segmentation`). ``ray`` joins the cluster
at ``address`` or, without one, starts Ray on this machine and stops it when the command ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ParameterError
from core.schema import param

ENGINES = ("local", "ray")
_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding core/, put on the workers' path


@dataclass(frozen=True)
class EngineParams:
    """Where the work runs: this process (``local``) or a Ray cluster."""

    engine: str = param("local", what="The engine", label="Engine", kind=str, choices=ENGINES,
                        help="local: one process; ray: embed and assign on a Ray cluster (started here "
                             "without --ray-address)")
    sample_size: int = param(200_000, what="The fitting sample", label="Fitting sample", low=1_000,
                             high=1_000_000,
                             help="with --engine ray: customers the reduction and clustering are fitted on "
                                  "(all of them when there are fewer)")


@dataclass(frozen=True)
class ActorPlan:
    """How the embedding and assignment actors are placed: ``actors`` of ``num_cpus`` CPUs and ``num_gpus``
    GPUs each; ``backend`` and ``device`` the embedding runtime and device forced for them (None: the embedder's
    own choice). A forced device also fixes the vectors' cache identity on the driver, which may have no GPU."""

    actors: int
    num_cpus: float
    num_gpus: float
    backend: str | None
    device: str | None = None


READ_CPUS = 0.25  # what a read task reserves; each node keeps room for two beside a full set of actors


def cpu_actors(resources: dict[str, float]) -> ActorPlan:
    """One actor per CPU core, each reserving a little under a core so that on every node two read tasks
    still fit beside them: on 2 cores, two actors of 0.75 CPU (one thread each) and reads of 0.25, where one
    actor per core but one left half the machine idle while embedding. ``resources`` may say the largest
    node's cores under ``node_CPU`` (:func:`ray_cluster` does); without it the cluster is one node."""
    cpus = int(resources.get("CPU", 1))
    node = max(1.0, float(resources.get("node_CPU", cpus)))
    return ActorPlan(actors=max(1, cpus), num_cpus=1 - 2 * READ_CPUS / node, num_gpus=0, backend=None)


def actor_plan(resources: dict[str, float]) -> ActorPlan:
    """The embedding actors: one per GPU (torch, fp16 on CUDA) when the cluster has GPUs, else
    :func:`cpu_actors`; each holds its own model."""
    gpus = int(resources.get("GPU", 0))
    if gpus >= 1:
        return ActorPlan(actors=gpus, num_cpus=1, num_gpus=1, backend="torch", device="cuda")
    return cpu_actors(resources)


def assign_plan(resources: dict[str, float], embeds: bool) -> ActorPlan:
    """Assignment actors, each holding the run's model and its neighbour index (built once per actor): one per
    GPU while new texts are to be embedded on a cluster with GPUs, else :func:`cpu_actors` (the vote is CPU
    work, and after ``segment`` embedded every text they are all in the cache)."""
    if embeds and int(resources.get("GPU", 0)) >= 1:
        return actor_plan(resources)
    return cpu_actors(resources)


def start_ray(address: str | None, num_cpus: int | None = None) -> None:
    """``ray.init``: join ``address`` or start Ray here with ``num_cpus`` (default: all), workers able to
    import ``core`` (on a remote cluster, Segment Studio must be installed on the nodes)."""
    import ray

    env = {"PYTHONPATH": os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH", "")) if p)}
    try:
        ray.init(address=address, num_cpus=None if address else num_cpus, include_dashboard=False,
                 log_to_driver=False, runtime_env={"env_vars": env}, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ParameterError(f"Could not join the Ray cluster at {address!r} ({str(exc).splitlines()[0]}). "
                             "Check the address (ray://HOST:10001 or HOST:6379) or leave --ray-address out "
                             "to start Ray on this machine.") from None


@contextmanager
def ray_cluster(address: str | None, num_cpus: int | None = None) -> Iterator[dict[str, Any]]:
    """Ray for the length of the block: the cluster at ``address``, or one started here (stopped afterwards).
    Yields the cluster's resources. A Ray already started in this process (tests) is used and left running."""
    import ray

    started = not ray.is_initialized()
    if started:
        start_ray(address, num_cpus)
    try:
        node_cpus = [n["Resources"].get("CPU", 0.0) for n in ray.nodes() if n.get("Alive")]
        yield {**ray.cluster_resources(), "node_CPU": max(node_cpus, default=1.0)}
    finally:
        if started:
            ray.shutdown()
