"""The use cases: one module per task, each one function that takes its declared parameters, an engine
(:mod:`core.tasks.engine`) and the workspace, and returns a typed result. The command line (``core/cli``),
the app (``ui``, ``pages``) and scripts call these; they only collect parameters and present results."""

from core.tasks.assign import Assigned, assign
from core.tasks.curate import Curated, Edit, Merge, ReassignOutliers, Rename, Reset, Split, curate
from core.tasks.engine import LOCAL, Engine
from core.tasks.explain import Explained, explain, explainer
from core.tasks.lookalike import Lookalikes, find_lookalikes, lookalike, segment_rows
from core.tasks.publish import publish
from core.tasks.refresh import Refreshed, refresh
from core.tasks.search import SearchParams, SearchResult, open_searchable, search, search_run
from core.tasks.segment import Segmented, Source, TextPrefetch, prefetch, read_source, segment, settle_prefetch
from core.tasks.sweep import Swept, current_setting, sweep, sweep_run, with_setting
from core.tasks.table import detected_roles, language_notice, long_text_cells, role_problems
from core.tasks.track import Tracked, track

__all__ = [
    "LOCAL", "Assigned", "Curated", "Edit", "Engine", "Explained", "Lookalikes", "Merge", "ReassignOutliers",
    "Refreshed", "Rename", "Reset", "SearchParams", "SearchResult", "Segmented", "Source", "Split", "Swept",
    "TextPrefetch", "Tracked",
    "assign", "curate", "current_setting", "detected_roles", "explain", "explainer", "find_lookalikes",
    "language_notice", "long_text_cells", "lookalike", "open_searchable", "prefetch", "publish", "read_source",
    "refresh", "role_problems", "search", "search_run", "segment", "segment_rows", "settle_prefetch", "sweep",
    "sweep_run", "track", "with_setting",
]
