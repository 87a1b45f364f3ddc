"""The Ray engine's logic that needs no cluster: parts checked before reading, actor resources, seeded draws,
population aggregates and how profiles mark them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.distributed.assign import OTHER, VALUE_PREFIX, Aggregates, partial_aggregates
from core.distributed.engine import READ_CPUS, actor_plan, assign_plan
from core.distributed.read import checked_parts, tidy_batch
from core.distributed.run import POPULATION_DIR, _population_profiles, _row_draws, population_segments
from core.errors import InputError
from core.ingest.io import load_table
from core.testing.parts import write_damaged_parts, write_parts


def test_gpus_get_one_actor_each_with_torch_fp16() -> None:
    plan = actor_plan({"CPU": 32.0, "GPU": 4.0})
    assert (plan.actors, plan.num_gpus, plan.backend) == (4, 1, "torch")


def test_cpus_get_one_actor_per_core_and_leave_every_node_room_for_two_reads() -> None:
    two = actor_plan({"CPU": 2.0})
    assert (two.actors, two.num_gpus, two.backend) == (2, 0, None)
    assert two.actors * two.num_cpus + 2 * READ_CPUS <= 2.0  # two reads fit beside the actors
    eight_nodes = actor_plan({"CPU": 128.0, "node_CPU": 16.0})
    assert eight_nodes.actors == 128
    assert int(16 // eight_nodes.num_cpus) == 16  # no node takes more actors than it has cores
    assert 16 * eight_nodes.num_cpus + 2 * READ_CPUS <= 16.0
    assert actor_plan({"CPU": 1.0}).actors == 1


def test_assignment_runs_one_actor_per_cpu_core_and_on_gpus_only_to_embed() -> None:
    gpu_cluster = {"CPU": 32.0, "GPU": 4.0}
    assert (assign_plan(gpu_cluster, embeds=False).actors, assign_plan(gpu_cluster, embeds=False).num_gpus) == (32, 0)
    assert assign_plan(gpu_cluster, embeds=True) == actor_plan(gpu_cluster)
    assert assign_plan({"CPU": 16.0}, embeds=True).actors == 16 and assign_plan({"CPU": 1.0}, embeds=False).actors == 1


def test_a_folder_of_parts_is_read_in_name_order(tmp_path) -> None:
    write_parts(tmp_path, 100, n_parts=3)
    (tmp_path / "_SUCCESS").write_text("")
    parts = checked_parts(tmp_path)
    assert [p.name for p in parts.paths] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert parts.format == "parquet" and parts.columns == ["cid", "note", "age", "spend", "plan"]
    assert len(checked_parts(str(tmp_path / "part-0000[12].parquet")).paths) == 2


@pytest.mark.parametrize("damage, words", [
    ("empty", "holds no .parquet or .csv parts"),
    ("schema", "has other columns than"),
    ("corrupt", "could not be read as PARQUET"),
    ("mixed", "mix CSV and Parquet"),
    ("missing", "does not exist"),
])
def test_bad_folders_are_refused_in_one_sentence(tmp_path, damage: str, words: str) -> None:
    folder = tmp_path / "parts"
    if damage != "missing":
        write_damaged_parts(folder, damage)
    with pytest.raises(InputError, match=words) as caught:
        checked_parts(tmp_path / "nowhere" if damage == "missing" else folder)
    assert "\n" not in caught.value.message


def test_blocks_are_tidied_like_a_loaded_table() -> None:
    frame = tidy_batch(pd.DataFrame({"a": pd.Series([" x ", "", None], dtype=object), "b": [1.0, 2.0, None]}))
    assert frame["a"].tolist() == ["x", pd.NA] and len(frame) == 2  # the all-empty row is gone
    assert frame["b"].tolist() == [1.0, 2.0]  # numbers stay numbers


@pytest.mark.parametrize("dtype", [object, "str", pd.ArrowDtype(pa.large_string())])
def test_a_missing_category_stays_missing_whatever_dtype_ray_hands_over(dtype: object) -> None:
    # Ray Data hands Parquet strings over as Arrow columns whose missing values are pd.NA; written as text they
    # became a level "<NA>", one more feature column than the local engine's, so the fits differed (issue 23)
    frame = tidy_batch(pd.DataFrame({"dept": pd.Series(["Tops", None, " Dresses "], dtype=dtype), "age": [1, 2, 3]}))
    assert [None if pd.isna(v) else v for v in frame["dept"]] == ["Tops", None, "Dresses"]


def test_a_block_is_the_table_load_table_reads_from_the_same_part(tmp_path: Path) -> None:
    table = pa.table({"cid": ["a", "b", "c"], "dept": pa.array(["Tops", None, " x "], pa.large_string()),
                      "age": [30, None, 41]})
    pq.write_table(table, tmp_path / "part.parquet")
    loaded = load_table(tmp_path / "part.parquet").frame
    block = tidy_batch(table.to_pandas(types_mapper=pd.ArrowDtype))
    for col in loaded.columns:
        assert [None if pd.isna(v) else v for v in loaded[col]] == [None if pd.isna(v) else v for v in block[col]]


def test_draws_do_not_depend_on_how_rows_are_split_into_blocks() -> None:
    frame = pd.DataFrame({"cid": [f"c{i}" for i in range(500)], "age": np.arange(500.0)})
    whole = _row_draws(frame, seed=3)
    split = np.concatenate([_row_draws(frame.iloc[:170], 3), _row_draws(frame.iloc[170:].reset_index(drop=True), 3)])
    assert np.array_equal(whole, split)
    assert not np.array_equal(whole, _row_draws(frame, seed=4))
    assert whole.min() >= 0 and whole.max() < 1 and abs(whole.mean() - 0.5) < 0.05


def _block(segments: list[int], ages: list[float], plans: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"segment_id": segments, VALUE_PREFIX + "age": ages, VALUE_PREFIX + "plan": plans})


def test_aggregates_merged_from_blocks_equal_those_of_the_whole() -> None:
    roles = {"cid": "id", "age": "numeric", "plan": "categorical"}
    a = _block([0, 0, 1], [20.0, 30.0, 50.0], ["x", "y", "x"])
    b = _block([1, 0, -1], [70.0, np.nan, 10.0], ["x", "x", "z"])
    merged = Aggregates()
    for block in (a, b):
        merged.add(partial_aggregates(block, roles)["stats"].iloc[0])
    whole = pd.concat([a, b])
    assert merged.sizes == {0: 3, 1: 2, -1: 1} and merged.total == 6
    zero = merged.segment_figures(0)
    assert zero["share"] == pytest.approx(0.5)
    assert zero["numeric"]["age"]["mean"] == pytest.approx(whole.loc[whole.segment_id == 0, "value:age"].mean())
    assert zero["numeric"]["age"]["count"] == 2 and zero["numeric"]["age"]["max"] == 30.0
    assert merged.segment_figures(1)["numeric"]["age"]["std"] == pytest.approx(10.0)
    assert zero["categorical"]["plan"] == {"x": 2, "y": 1}


def test_category_counts_stay_bounded_with_the_rest_summed() -> None:
    roles = {"plan": "categorical"}
    merged = Aggregates()
    levels = [f"l{i}" for i in range(300)] + ["common"] * 50
    merged.add(partial_aggregates(pd.DataFrame({"segment_id": 0, VALUE_PREFIX + "plan": levels}), roles)
               ["stats"].iloc[0])
    counts = merged.categorical[0]["plan"]
    assert len(counts) <= 100 and counts["common"] == 50 and sum(counts.values()) == 350 and OTHER in counts
    assert merged.truncated


def test_profiles_take_population_sizes_and_mark_what_comes_from_the_sample() -> None:
    merged = Aggregates()
    merged.add(partial_aggregates(_block([0] * 30 + [1] * 70, [1.0] * 100, ["x"] * 100),
                                  {"age": "numeric", "plan": "categorical"})["stats"].iloc[0])
    profiles = [{"segment_id": 0, "size": 3, "share": 0.5, "words": [], "representatives": []},
                {"segment_id": 1, "size": 3, "share": 0.5, "words": [], "representatives": []}]
    out = _population_profiles(profiles, merged)  # type: ignore[arg-type]
    assert [p["size"] for p in out] == [30, 70] and out[1]["share"] == pytest.approx(0.7)
    assert out[0]["sample"] == {"size": 3, "share": 0.5}
    assert out[0]["sources"]["size"] == "population" and out[0]["sources"]["words"] == "sample"
    assert out[0]["population"]["numeric"]["age"]["count"] == 30


def test_a_runs_population_parts_are_read_for_the_chosen_segments(tmp_path) -> None:
    assert population_segments(tmp_path) is None  # a run made by the local engine
    (tmp_path / POPULATION_DIR).mkdir()
    pd.DataFrame({"id": ["a", "b"], "segment_id": [0, 1]}).to_parquet(tmp_path / POPULATION_DIR / "part-00000.parquet")
    pd.DataFrame({"id": ["c"], "segment_id": [0]}).to_parquet(tmp_path / POPULATION_DIR / "part-00001.parquet")
    found = population_segments(tmp_path, (0,))
    assert found is not None and found["id"].tolist() == ["a", "c"]
