"""Segment Studio's core: the whole pipeline, headless, in pipeline order (see the README's layout).

The public API, for scripts, notebooks, the command line and the app. The use cases are
:mod:`core.tasks` (one function each: segment, assign, refresh, track, explain, lookalike, sweep, curate)::

    from core import ClusterParams, SegmentParams, load_table, tasks


    done = tasks.segment(load_table("customers.csv"), SegmentParams(cluster=ClusterParams(algo="kmeans", k=6)),
                   workspace=Path("workspace"), out=Path("out"))
    done.paths["segments"]; done.quality; done.result.profiles

On Ray (a file, folder or glob of Parquet/CSV parts; Ray started here, or ``address=`` a cluster)::

    tasks.segment("parts/", SegmentParams(), Path("workspace"), out=Path("out"),
            engine=Engine(EngineParams(engine="ray", sample_size=200_000)))

The task functions are not bound here (``core.segment`` and ``core.explain`` are packages): call them as
``tasks.NAME``. The stages themselves: ``run_segmentation``, ``assign`` (a file against a run, nothing written),
``save_run`` / ``load_run``; what the app shows and offers besides (saved runs, exports, the demo data, the
registries) is below. The command line and the app import core only from here and :mod:`core.tasks`
(``tests/unit/test_boundaries.py``); everything else is importable from its module, for the stages' own tests.
"""

from core import tasks  # the use cases (core.tasks.segment …: not bound here, they share packages' names)
from core.distributed.engine import EngineParams
from core.distributed.run import RayRun, assign_on_ray, population_segments, segment_on_ray
from core.errors import CoreError
from core.explain.explanations import N_SIMILAR, Explainer, SegmentedCustomers
from core.explain.levels import drill_labels, parent_level, tree_rows
from core.explain.lookalike import DEFAULT_SIZE as LOOKALIKE_SIZE
from core.explain.lookalike import METHOD_NOTES as LOOKALIKE_NOTES
from core.explain.lookalike import LookalikeParams
from core.explain.profile import CategoryTrait, NumericTrait, Profile, Term, Traits, segment_names
from core.ingest.demo import (
    DEMO_ATTRIBUTION,
    DEMO_PATH,
    SHOP_ATTRIBUTION,
    SHOP_COLUMNS,
    SHOP_CUSTOMERS,
    SHOP_NAMES,
    SHOP_PRODUCTS,
    SHOP_PURCHASES,
)
from core.ingest.id_lists import read_ids
from core.ingest.io import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, LoadedTable, load_table
from core.ingest.privacy import describe_pii, hash_ids, workspace_key
from core.ingest.roles import ROLES, ColumnInfo
from core.ingest.source import load_source, table_source
from core.ingest.sql import SqlSource, mask_url, table_counts
from core.ingest.times import TIME_UNIT
from core.parameters import SegmentParams
from core.pipeline import STAGES, SegmentationResult, run_segmentation
from core.recommend.evaluate import METHODS as RECOMMEND_METHODS
from core.recommend.lists import RecommendParams
from core.represent.behaviour import InteractionInputs, guess_interaction_columns, guess_item_column
from core.represent.embedders import EMBEDDERS, EmbedderChoice, embedder_names
from core.represent.embedders.runtime import default_runtime_line
from core.represent.embedders.sentence_transformer import DEFAULT_MODEL
from core.represent.features import MAX_TEXT_CHARS
from core.represent.text import choose_embedder
from core.runs.assign import Assignment, locate_run
from core.runs.assign import assign_file as assign
from core.runs.export import SEGMENT_COLUMNS, csv_bytes, json_text, parquet_bytes, with_hashed_ids
from core.runs.opened import rows_of, saved_people
from core.runs.refresh import RefreshParams, list_refreshes, period_chain
from core.runs.selection import save_selection_as_segment, selection_profile, selection_rows
from core.runs.sql_export import IF_EXISTS, SqlTarget, written_line
from core.runs.store import (
    HISTORY_FILE,
    SavedRun,
    compare_runs,
    delete_run,
    list_runs,
    load_run,
    runs_dir,
    save_run,
)
from core.segment.cluster import ClusterParams
from core.segment.clusterers import CLUSTERERS
from core.segment.levels import MAX_LEVELS, LevelParams
from core.segment.reduce import ReduceParams
from core.segment.warmup import warm_up
from core.storage.atomic import atomic_write_bytes
from core.storage.hashing import stable_hash
from core.tasks import LOCAL, Engine

__all__ = [
    "default_runtime_line",
    "IF_EXISTS", "SqlSource", "SqlTarget", "load_source", "table_source", "mask_url", "table_counts", "written_line",
    "CLUSTERERS", "DEFAULT_MODEL", "DEMO_ATTRIBUTION", "DEMO_PATH", "EMBEDDERS", "HISTORY_FILE", "LOCAL",
    "LOOKALIKE_NOTES", "LOOKALIKE_SIZE", "MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_LEVELS", "MAX_ROWS", "MAX_TEXT_CHARS",
    "N_SIMILAR", "RECOMMEND_METHODS", "ROLES", "SEGMENT_COLUMNS", "SHOP_ATTRIBUTION", "SHOP_COLUMNS", "SHOP_CUSTOMERS",
    "SHOP_NAMES", "SHOP_PRODUCTS", "SHOP_PURCHASES", "STAGES", "TIME_UNIT", "Assignment", "CategoryTrait",
    "ClusterParams", "ColumnInfo", "CoreError", "EmbedderChoice", "Engine", "EngineParams", "Explainer",
    "InteractionInputs", "LevelParams", "LoadedTable", "LookalikeParams", "NumericTrait", "Profile", "RayRun",
    "RecommendParams", "ReduceParams", "RefreshParams", "SavedRun", "SegmentParams", "SegmentationResult",
    "SegmentedCustomers", "Term", "Traits", "assign", "assign_on_ray", "atomic_write_bytes", "choose_embedder",
    "compare_runs", "csv_bytes", "delete_run", "describe_pii", "drill_labels", "embedder_names",
    "guess_interaction_columns", "guess_item_column", "hash_ids", "json_text", "list_refreshes", "list_runs",
    "load_run", "load_table", "locate_run", "parent_level", "parquet_bytes", "period_chain", "population_segments",
    "read_ids", "rows_of", "run_segmentation", "runs_dir", "save_run", "save_selection_as_segment", "saved_people",
    "segment_names", "segment_on_ray", "selection_profile", "selection_rows", "stable_hash", "tasks", "tree_rows",
    "warm_up", "with_hashed_ids", "workspace_key",
]
