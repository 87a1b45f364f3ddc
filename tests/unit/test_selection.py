"""A map selection: its profile against everyone else, and saving it as a new segment of a saved run."""

import numpy as np
import pytest

from core.errors import ParameterError
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.selection import (
    save_selection_as_segment,
    selection_profile,
    selection_rows,
)
from core.runs.store import load_run, rename_segment, save_run
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams

FAKE = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=3, seed=0),
                     reduce=ReduceParams(n_components=3, n_neighbors=10),
                     map=ReduceParams(n_components=2, n_neighbors=10))


@pytest.fixture
def saved(planted_csv, workspace):
    run_id = save_run(run_segmentation(load_table(planted_csv), FAKE, workspace), workspace)
    return workspace, run_id


def _older_customers(run):
    return np.where(run.customers["id"].str.startswith("c0-").to_numpy())[0]


def test_selection_profile_describes_the_selected_customers(saved):
    workspace, run_id = saved
    run = load_run(workspace, run_id)
    rows = _older_customers(run)
    profile = selection_profile(run, rows)
    assert profile["size"] == len(rows) == 40 and profile["share"] == pytest.approx(1 / 3)
    age = next(r for r in profile["numeric"] if r["column"] == "age")
    assert age["std_diff"] > 1  # the planted group is about 20 years older
    assert {w["term"] for w in profile["words"][:5]} & {"petite", "small", "short", "hem", "tiny"}
    assert len(profile["representatives"]) == 5
    assert sum(s["count"] for s in profile["segments"]) == 40


def test_bad_selections_are_refused(saved):
    run = load_run(*saved)
    with pytest.raises(ParameterError, match="No customers are selected"):
        selection_profile(run, [])
    with pytest.raises(ParameterError, match="outside this run"):
        selection_profile(run, [0, 10_000])
    with pytest.raises(ParameterError, match="cannot be empty"):
        save_selection_as_segment(saved[0], saved[1], [0, 1], "   ")


def test_saving_a_selection_relabels_and_reprofiles_the_run(saved):
    workspace, run_id = saved
    rename_segment(workspace, run_id, 1, "my name")
    before = load_run(workspace, run_id)
    rows = [0, 1, 2, 3, 4, 5]
    new_id = save_selection_as_segment(workspace, run_id, rows, "hand-picked <b>")
    after = load_run(workspace, run_id)
    assert new_id == 3
    assert (after.segments.loc[rows, "segment_id"] == 3).all()
    assert (after.segments.loc[rows, "segment_name"] == "hand-picked <b>").all()
    untouched = np.setdiff1d(np.arange(len(before.segments)), rows)
    assert (after.segments.loc[untouched, "segment_id"].to_numpy()
            == before.segments.loc[untouched, "segment_id"].to_numpy()).all()
    sizes = {p["segment_id"]: p["size"] for p in after.profiles}
    assert sizes[3] == 6 and sum(sizes.values()) == 120
    auto = {p["segment_id"]: p["auto_name"] for p in after.profiles}
    assert after.names[1] == "my name"  # the analyst's name stays; generated names follow the new profiles
    assert after.names[0] == auto[0] and after.names[3] == "hand-picked <b>"
    assert after.run_info["quality"]["n_segments"] == 4
    assert after.run_info["curation"][-1] == {**after.run_info["curation"][-1], "customers": 6, "segment": 3}


def test_selection_rows_reads_customdata_of_plotly_points():
    points = [{"customdata": 4}, {"customdata": [7]}, {"customdata": 4}, {"x": 1}]
    assert selection_rows(points) == [4, 7]
