"""Figure builders: right trace types, escaped hover text, legend counts, sampling."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import (
    escape,
    hover_labels,
    k_silhouette_figure,
    map_figure,
    numeric_traits_figure,
    shorten,
    sizes_figure,
    subsample,
    sweep_figure,
    traits_heatmap,
    words_figure,
)

PROFILES = [
    {"segment_id": 0, "name": "petite <b>", "size": 6, "share": 0.6, "words": [{"term": "petite", "score": 0.4}],
     "numeric": [{"column": "Age", "mean": 60.0, "median": 60.0, "mean_rest": 30.0, "std_diff": 1.5}],
     "categories": [], "representatives": []},
    {"segment_id": 1, "name": "jeans", "size": 3, "share": 0.3, "words": [],
     "numeric": [{"column": "Age", "mean": 25.0, "median": 25.0, "mean_rest": 50.0, "std_diff": -1.2}],
     "categories": [], "representatives": []},
    {"segment_id": -1, "name": "Unassigned", "size": 1, "share": 0.1, "words": [], "numeric": [], "categories": [],
     "representatives": []},
]


def test_shorten_and_escape():
    assert shorten("a  b\n c") == "a b c"
    assert shorten("x" * 200, 10) == "x" * 9 + "…"
    assert escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert shorten(None) == "" and shorten(float("nan")) == ""


def test_hover_labels_escape_data_and_shorten_text():
    frame = pd.DataFrame({"id": ["<i>1</i>"], "segment_name": ["s"], "Age": [31.0], "dept": ["<img src=x>"]})
    label = hover_labels(frame, ["word " * 100], ["Age", "dept"])[0]
    assert "<i>1</i>" not in label and "&lt;i&gt;1&lt;/i&gt;" in label
    assert "&lt;img src=x&gt;" in label and "Age: 31" in label
    assert label.endswith("…</i>")


def test_map_figure_one_webgl_trace_per_segment_with_counts_and_row_customdata():
    coords = np.arange(20, dtype=np.float32).reshape(10, 2)
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, -1])
    fig = map_figure(coords, labels, {0: "petite <b>", 1: "jeans", -1: "Unassigned"}, hover=[str(i) for i in range(10)])
    assert isinstance(fig, go.Figure)
    assert [type(t) for t in fig.data] == [go.Scattergl] * 3
    assert [t.name for t in fig.data] == ["petite &lt;b&gt; (6)", "jeans (3)", "Unassigned (1)"]
    assert sorted(int(v) for t in fig.data for v in t.customdata) == list(range(10))
    assert list(fig.data[1].customdata) == [6, 7, 8]


def test_map_figure_3d_numeric_and_categorical_colouring():
    coords = np.random.default_rng(0).random((30, 3)).astype(np.float32)
    labels = np.zeros(30, dtype=int)
    fig3 = map_figure(coords, labels, {0: "all"})
    assert isinstance(fig3.data[0], go.Scatter3d)
    numeric = map_figure(coords[:, :2], labels, {0: "all"}, colour=pd.Series(np.arange(30.0), name="Age"))
    assert len(numeric.data) == 1 and numeric.data[0].marker.showscale
    many = pd.Series([f"v{i}" for i in range(30)], name="dept")
    cats = map_figure(coords[:, :2], labels, {0: "all"}, colour=many)
    assert len(cats.data) == 13 and cats.data[-1].name == "Other (18)"


def test_subsample_is_seeded_and_bounded():
    assert list(subsample(5, 10)) == [0, 1, 2, 3, 4]
    a, b = subsample(1000, 100, seed=1), subsample(1000, 100, seed=1)
    assert len(a) == 100 and (a == b).all() and (np.diff(a) > 0).all()
    fig = map_figure(np.zeros((1000, 2), np.float32), np.zeros(1000, int), {0: "all"}, rows=a)
    assert len(fig.data[0].x) == 100 and fig.data[0].name == "all (1,000)"


def test_profile_charts():
    words = words_figure(PROFILES[0]["words"])
    assert list(words.data[0].y) == ["petite"]
    nums = numeric_traits_figure(PROFILES[1]["numeric"])
    assert list(nums.data[0].x) == [-1.2]
    heat = traits_heatmap(PROFILES)
    assert [list(r) for r in heat.data[0].z] == [[1.5], [-1.2]] and list(heat.data[0].x) == ["Age"]
    assert heat.data[0].y[0] == "0: petite &lt;b&gt;"
    sizes = sizes_figure(PROFILES)
    assert list(sizes.data[0].x) == [6, 3, 1]


def test_numeric_traits_mark_significance_from_corrected_p_values():
    rows = [{"column": "Age <i>", "mean": 60.0, "median": 60.0, "mean_rest": 30.0, "std_diff": 1.5,
             "q_value": 0.001, "significant": True},
            {"column": "spend", "mean": 10.0, "median": 10.0, "mean_rest": 9.0, "std_diff": 0.1,
             "q_value": 0.4, "significant": False}]
    bar = numeric_traits_figure(rows).data[0]
    assert list(bar.y) == ["spend", "Age &lt;i&gt; ✱"]  # strongest on top, significant marked
    assert list(bar.marker.opacity) == [0.35, 1.0]
    assert "q = 0.001 ✱" in bar.text[1] and "not significant" in bar.text[0]


def test_sweep_figure_charts_every_setting_and_marks_the_recommendation():
    found = {"algo": "hdbscan", "parameter": "min_cluster_size", "criterion": "dbcv", "recommended": 20,
             "rows": [{"value": v, "n_segments": n, "outlier_share": o, "silhouette": s, "dbcv": d}
                      for v, n, o, s, d in [(10, 5, 0.2, 0.4, 0.3), (20, 3, 0.1, 0.6, 0.5), (30, 1, 0.0, None, None)]]}
    fig = sweep_figure(found, current=30)
    assert [t.name for t in fig.data] == ["segments", "outlier share", "silhouette", "DBCV"]
    assert list(fig.data[0].y) == [5, 3, 1] and list(fig.data[3].customdata) == [10, 20, 30]
    lines = {(shape.x0, shape.line.dash) for shape in fig.layout.shapes}
    assert lines == {(2, "dot"), (1, "dash")} and len(fig.layout.shapes) == 4  # both panels; settings by position
    assert list(fig.layout.xaxis2.ticktext) == ["10", "20", "30"]
    assert [a.text for a in fig.layout.annotations] == ["this run", "recommended (best dbcv)"]
    kmeans = sweep_figure({**found, "algo": "kmeans", "parameter": "k", "criterion": "silhouette",
                           "recommended": None})
    assert [t.name for t in kmeans.data] == ["segments", "outlier share", "silhouette"] and not kmeans.layout.shapes


def test_k_silhouette_figure_orders_k_and_marks_the_chosen_one():
    fig = k_silhouette_figure({"3": 0.5, "2": 0.4, "10": 0.2}, chosen=3)
    assert list(fig.data[0].x) == [2, 3, 10] and list(fig.data[0].y) == [0.4, 0.5, 0.2]
    assert fig.layout.shapes[0].x0 == 3
