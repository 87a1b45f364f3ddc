"""The evaluation chart: one bar group per method, the popularity baseline in grey, data text escaped."""

from ui.figures import UNASSIGNED_COLOUR, evaluation_figure

EVALUATION = {"k": 10, "methods": {
    "popularity": {"label": "Global popularity (baseline)", "precision": 0.05, "recall": 0.1, "ndcg": 0.07,
                   "coverage": 0.01},
    "blend": {"label": "Per-customer <b>blend</b>", "precision": 0.12, "recall": 0.25, "ndcg": 0.18,
              "coverage": 0.4},
}}


def test_one_trace_per_method_with_every_metric_at_k():
    fig = evaluation_figure(EVALUATION)
    assert [t.name for t in fig.data] == ["Global popularity (baseline)", "Per-customer &lt;b&gt;blend&lt;/b&gt;"]
    assert list(fig.data[1].x) == ["precision@10", "recall@10", "NDCG@10", "coverage"]
    assert list(fig.data[1].y) == [0.12, 0.25, 0.18, 0.4]
    assert fig.data[0].marker.color == UNASSIGNED_COLOUR != fig.data[1].marker.color
    assert fig.layout.barmode == "group"


def test_no_methods_gives_an_empty_chart():
    assert len(evaluation_figure({"k": 5, "methods": {}}).data) == 0


def test_with_a_default_method_the_chart_shows_it_beside_both_baselines():
    methods = {name: {"label": name.upper(), "precision": 0.1, "recall": 0.1, "ndcg": 0.1, "coverage": 0.1}
               for name in ("popularity", "item_knn", "segment_lift", "blend", "ease")}
    fig = evaluation_figure({"k": 10, "default": "ease", "methods": methods})
    assert [t.name for t in fig.data] == ["POPULARITY", "ITEM_KNN", "EASE"]
    assert "popularity and item-kNN" in fig.layout.title.text
    assert len({t.marker.color for t in fig.data}) == 3
