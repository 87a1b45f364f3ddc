"""Segment Studio's core: the whole pipeline, headless, in pipeline order (see the README's layout).

The public API, for scripts and notebooks::

    from core import ClusterParams, SegmentParams, assign, load_table, run_segmentation

    result = run_segmentation(load_table("customers.csv"), SegmentParams(cluster=ClusterParams(algo="kmeans", k=6)),
                              workspace="workspace")
    result.segments_frame(); result.profiles; result.quality

On Ray (a file, folder or glob of Parquet/CSV parts; Ray started here, or ``address=`` a cluster)::

    segment_on_ray("parts/", SegmentParams(), out=Path("out"), workspace=Path("workspace"), sample_size=200_000)
    assign_on_ray(Path("out"), "new_parts/", out=Path("out/new"), workspace=Path("workspace"))

Everything else is importable from its module (``core.segment.quality.sweep``, ``core.runs.curate`` …).
"""

from core.distributed.engine import EngineParams
from core.distributed.run import RayRun, assign_on_ray, segment_on_ray
from core.errors import CoreError
from core.ingest.io import LoadedTable, load_table
from core.parameters import SegmentParams
from core.pipeline import SegmentationResult, run_segmentation
from core.recommend.lists import RecommendParams
from core.represent.behaviour import InteractionInputs
from core.runs.assign import Assignment
from core.runs.assign import assign_file as assign
from core.runs.store import SavedRun, load_run, save_run
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams

__all__ = [
    "Assignment", "ClusterParams", "CoreError", "EngineParams", "InteractionInputs", "LoadedTable", "RayRun",
    "RecommendParams", "ReduceParams", "SavedRun", "SegmentParams", "SegmentationResult", "assign", "assign_on_ray",
    "load_run", "load_table", "run_segmentation", "save_run", "segment_on_ray",
]
