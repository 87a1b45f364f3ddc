"""Refreshing a segmentation on the next period (planted two-period data, fake embedder).

The data: :func:`core.testing.periods.two_periods` (groups A, B, C; in period 2 some customers leave,
30 % of A's stayers behave like B, C spends 30 % more, new customers join and a new group D appears).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.runs.refresh import list_refreshes
from core.testing.periods import two_periods

SEGMENT = ["--embedder", "fake", "--algo", "kmeans", "--k", "3", "--quiet"]


def read_segments(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "segments.csv", dtype={"id": str}, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def periods(tmp_path_factory):
    root = tmp_path_factory.mktemp("periods")
    data = two_periods()
    data.first.to_csv(root / "p1.csv", index=False)
    data.second.to_csv(root / "p2.csv", index=False)
    ws = root / "ws"
    assert main(["segment", str(root / "p1.csv"), "--out", str(root / "r1"), "--workspace", str(ws), *SEGMENT]) == 0
    assert main(["refresh", str(root / "r1"), str(root / "p2.csv"), "--out", str(root / "r2"), "--workspace", str(ws),
                 "--quiet"]) == 0
    before, after = read_segments(root / "r1"), read_segments(root / "r2")
    truth = data.truth.rename(columns={"customer_id": "id"})
    merged = truth.merge(after, on="id").merge(before[["id", "segment_id"]].rename(columns={"segment_id": "before"}),
                         on="id", how="left")
    group_of = {g: int(merged[(merged.event == "stayed") & (merged.group == g)]["before"].mode()[0]) for g in "ABC"}
    changes = json.loads((root / "r2" / "changes.json").read_text(encoding="utf-8"))
    return {"root": root, "ws": ws, "data": data, "merged": merged, "before": before, "after": after,
            "group_of": group_of, "changes": changes}


def test_unchanged_customers_keep_their_segment_id(periods):
    stayed = periods["merged"][periods["merged"].event == "stayed"]
    assert (stayed["segment_id"] == stayed["before"]).mean() >= 0.95
    assert len(set(periods["group_of"].values())) == 3  # the run had found A, B and C


def test_movers_land_where_they_now_belong_and_are_counted(periods):
    movers = periods["merged"][periods["merged"].event == "moved"]
    a, b = periods["group_of"]["A"], periods["group_of"]["B"]
    assert len(movers) >= 10
    assert (movers["segment_id"] == b).mean() >= 0.8
    counted = sum(f["customers"] for f in periods["changes"]["migration"] if f["from"] == a and f["to"] == b)
    assert abs(counted - len(movers)) <= 0.2 * len(movers)


def test_the_new_group_becomes_a_new_segment(periods):
    merged, changes = periods["merged"], periods["changes"]
    new_ids = [s["segment_id"] for s in changes["new_segments"]]
    assert new_ids and min(new_ids) > periods["before"]["segment_id"].max()
    found = merged["segment_id"].isin(new_ids)
    planted = merged["event"] == "new"
    assert (found & planted).sum() / found.sum() >= 0.8  # precision
    assert (found & planted).sum() / planted.sum() >= 0.8  # recall
    profile = changes["new_segments"][0]
    assert "Swim" in profile["name"] and profile["size"] == int((merged["segment_id"] == new_ids[0]).sum())


def test_changes_agree_with_segments_csv(periods):
    before, after, changes = periods["before"], periods["after"], periods["changes"]
    sizes = {row["segment_id"]: row for row in changes["sizes"]}
    assert {s: r["after"] for s, r in sizes.items() if r["after"]} == after["segment_id"].value_counts().to_dict()
    assert {s: r["before"] for s, r in sizes.items() if r["before"]} == before["segment_id"].value_counts().to_dict()
    shared = before.merge(after, on="id", suffixes=("_from", "_to"))
    flows = shared.groupby(["segment_id_from", "segment_id_to"]).size().to_dict()
    assert {(f["from"], f["to"]): f["customers"] for f in changes["migration"]} == flows
    assert changes["gone"]["count"] == len(set(before["id"]) - set(after["id"])) > 0
    assert changes["joined"]["count"] == len(set(after["id"]) - set(before["id"])) > 0
    assert set(changes["gone"]["sample"]) <= set(before["id"]) - set(after["id"])
    lost = sizes[periods["group_of"]["A"]]
    assert lost["change"] < 0 and lost["significant"]  # A lost its leavers and movers: its share fell


def test_drift_names_the_trait_that_moved(periods):
    drift = {d["segment_id"]: d for d in periods["changes"]["drift"]}
    top = drift[periods["group_of"]["C"]]["traits"][0]
    assert top["column"] == "spend" and top["effect"] > 1 and top["significant"]
    assert top["after"] == pytest.approx(195, abs=10) and top["before"] == pytest.approx(150, abs=10)
    assert not any(t["significant"] and t["column"] == "spend" for t in drift[periods["group_of"]["B"]]["traits"])


def test_a_refreshed_run_refreshes_again(periods):
    root = periods["root"]
    third = two_periods(seed=0).second  # period 3 looks like period 2 (new reviews of the same customers)
    third.to_csv(root / "p3.csv", index=False)
    assert main(["refresh", str(root / "r2"), str(root / "p3.csv"), "--out", str(root / "r3"),
                 "--workspace", str(periods["ws"]), "--quiet"]) == 0
    after, later = periods["after"], read_segments(root / "r3")
    both = after.merge(later, on="id", suffixes=("_2", "_3"))
    assert (both["segment_id_2"] == both["segment_id_3"]).mean() >= 0.95  # the new segment's id holds too
    info = json.loads((root / "r3" / "run.json").read_text(encoding="utf-8"))
    changes = json.loads((root / "r3" / "changes.json").read_text(encoding="utf-8"))
    assert info["period"] == 3 and changes["run"]["period_before"] == 2 and changes["new_segments"] == []


def test_a_saved_refresh_is_listed_and_refreshed_again_by_its_id(periods, tmp_path, capsys):
    root, ws = periods["root"], tmp_path / "ws"
    shutil.copytree(periods["ws"], ws)  # the embedding cache, not the module's refreshes
    assert main(["refresh", str(root / "r1"), str(root / "p2.csv"), "--out", str(tmp_path / "r2"),
                 "--workspace", str(ws), "--save-run", "--quiet"]) == 0
    refresh_id = capsys.readouterr().out.strip().splitlines()[-1].removeprefix("saved refresh ")
    (listed,) = list_refreshes(ws)
    assert listed["refresh_id"] == refresh_id and listed["period"] == 2
    assert main(["refresh", refresh_id, str(root / "p2.csv"), "--out", str(tmp_path / "r3"),
                 "--workspace", str(ws), "--quiet"]) == 0
    assert json.loads((tmp_path / "r3" / "run.json").read_text(encoding="utf-8"))["period"] == 3


def test_analyst_names_are_kept(periods, tmp_path):
    run = tmp_path / "named"
    shutil.copytree(periods["root"] / "r1", run)
    profiles = json.loads((run / "profiles.json").read_text(encoding="utf-8"))
    profiles[0].update(name="Our petite regulars", renamed=True)
    (run / "profiles.json").write_text(json.dumps(profiles), encoding="utf-8")
    assert main(["refresh", str(run), str(periods["root"] / "p2.csv"), "--out", str(tmp_path / "out"),
                 "--workspace", str(periods["ws"]), "--quiet"]) == 0
    refreshed = {p["segment_id"]: p for p in json.loads((tmp_path / "out" / "profiles.json").read_text())}
    kept = refreshed[profiles[0]["segment_id"]]
    assert kept["name"] == "Our petite regulars" and kept["renamed"]
    assert {p["name"] for p in profiles[1:]} <= {p["name"] for p in refreshed.values()}
    assert not any(p.get("renamed") for s, p in refreshed.items() if s != profiles[0]["segment_id"])
    frame = read_segments(tmp_path / "out")
    assert set(frame.loc[frame["segment_id"] == profiles[0]["segment_id"], "segment_name"]) == {"Our petite regulars"}


def test_bad_new_tables_get_one_sentence(periods, tmp_path, capsys):
    root = periods["root"]
    periods["data"].second.drop(columns=["spend"]).to_csv(tmp_path / "missing.csv", index=False)
    periods["data"].second.head(0).to_csv(tmp_path / "empty.csv", index=False)
    for name, expected in (("missing.csv", "lacks column(s) 'spend'"), ("empty.csv", "")):
        code = main(["refresh", str(root / "r1"), str(tmp_path / name), "--out", str(tmp_path / "out"),
                     "--workspace", str(periods["ws"]), "--quiet"])
        err = capsys.readouterr().err.strip()
        assert code == 2 and err.startswith("error: ") and len(err.splitlines()) == 1 and expected in err
    assert not (tmp_path / "out" / "run.json").exists()


def test_repeated_ids_are_grouped(periods, tmp_path, capsys):
    second = periods["data"].second
    doubled = pd.concat([second, second.head(20).assign(review=lambda f: f["review"] + " again")], ignore_index=True)
    doubled.to_csv(tmp_path / "doubled.csv", index=False)
    assert main(["refresh", str(periods["root"] / "r1"), str(tmp_path / "doubled.csv"), "--out", str(tmp_path / "out"),
                 "--workspace", str(periods["ws"]), "--quiet"]) == 0
    frame = read_segments(tmp_path / "out")
    assert len(frame) == len(second) and frame["id"].is_unique
    assert "Grouped" in capsys.readouterr().err
    assert np.isfinite(frame["membership"]).all()


def renumbered(folder: Path, to: Path, mapping: dict[int, int]) -> Path:
    """A copy of a run folder whose segments carry other ids (as an independent run would number them)."""
    shutil.copytree(folder, to)
    frame = read_segments(to)
    frame["segment_id"] = frame["segment_id"].map(lambda s: mapping.get(s, s))
    frame.to_csv(to / "segments.csv", index=False)
    profiles = json.loads((to / "profiles.json").read_text(encoding="utf-8"))
    for p in profiles:
        p["segment_id"] = mapping.get(p["segment_id"], p["segment_id"])
    (to / "profiles.json").write_text(json.dumps(profiles), encoding="utf-8")
    labels = np.load(to / "model" / "labels.npy")
    np.save(to / "model" / "labels.npy", np.array([mapping.get(int(s), int(s)) for s in labels]))
    return to


PERMUTATION = {0: 2, 1: 0, 2: 1}


def test_track_matches_segments_by_shared_customers(periods, tmp_path):
    run_b = renumbered(periods["root"] / "r1", tmp_path / "b", PERMUTATION)
    assert main(["track", str(periods["root"] / "r1"), str(run_b), "--out", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "track.json").read_text(encoding="utf-8"))
    assert report["method"] == "customers" and report["customers_shared"] == len(periods["before"])
    assert {m["b"]: m["a"] for m in report["matches"]} == {b: a for a, b in PERMUTATION.items()}
    assert all(m["quality"] == 1.0 for m in report["matches"]) and report["unmatched_b"] == []
    tracked = read_segments(tmp_path / "out").merge(periods["before"], on="id")
    assert (tracked["segment_id_x"] == tracked["segment_id_y"]).all()


def test_track_matches_by_centroids_without_shared_customers(periods, tmp_path):
    second = periods["data"].second
    second[~second["customer_id"].str.startswith("p")].to_csv(tmp_path / "newcomers.csv", index=False)
    assert main(["refresh", str(periods["root"] / "r1"), str(tmp_path / "newcomers.csv"), "--out", str(tmp_path / "r"),
                 "--workspace", str(periods["ws"]), "--quiet"]) == 0
    run_b = renumbered(tmp_path / "r", tmp_path / "b", PERMUTATION)
    assert main(["track", str(periods["root"] / "r1"), str(run_b), "--out", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "track.json").read_text(encoding="utf-8"))
    assert report["method"] == "centroids" and report["customers_shared"] == 0
    assert {m["b"]: m["a"] for m in report["matches"]} == {b: a for a, b in PERMUTATION.items()}
    assert [u["new_id"] for u in report["unmatched_b"]] == [3]  # the beach-holiday group is no old segment
