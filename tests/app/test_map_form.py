"""AppTest: the Map form is built from the core's declarations and registries, not typed twice."""

from core.parameters import SegmentParams
from core.runs.store import load_run
from core.schema import declared
from core.segment.clusterers import CLUSTERERS
from core.segment.reduce import ReduceParams
from tests.app.test_pages import _app, _page, _upload
from ui.map import widget_key

SMALL = b"id,review\n" + b"".join(f"{i},dress fits well size {i % 3}\n".encode() for i in range(40))


def _widget_keys(at) -> set[str]:
    kinds = (at.number_input, at.checkbox, at.slider, at.radio, at.selectbox, at.text_input)
    return {w.key for kind in kinds for w in kind if w.key}


def test_the_form_offers_every_registered_clusterer_with_the_declared_ranges(ws):
    at = _upload(_app(), "small.csv", SMALL)
    at = _page(at, "map")
    assert set(at.radio(key="p-algo").options) == {c.label for c in CLUSTERERS.values()}
    assert at.radio(key="p-algo").value == SegmentParams().cluster.algo
    dims = at.number_input(key="p-dims")
    declaration = declared(ReduceParams)["n_components"]
    assert (dims.min, dims.max, dims.value) == (declaration.low, declaration.high, SegmentParams().reduce.n_components)


def test_the_form_shows_the_chosen_clusterers_own_parameters(ws):
    at = _upload(_app(), "small.csv", SMALL)
    at = _page(at, "map")
    every = {widget_key(name) for c in CLUSTERERS.values() for name in c.parameters()}
    for algo, clusterer in CLUSTERERS.items():
        at.radio(key="p-algo").set_value(algo).run()
        own = {widget_key(name) for name in clusterer.parameters()}
        shown = _widget_keys(at)
        assert own <= shown and not (every - own) & shown, algo
    threshold = at.number_input(key="p-distance-threshold")  # ward, the last registered
    assert threshold.label.startswith(CLUSTERERS["ward"].parameters()["distance_threshold"].name)


def test_gmm_from_the_form_runs(ws):
    at = _upload(_app(), "small.csv", SMALL)
    at = _page(at, "map")
    at.radio(key="p-algo").set_value("gmm").run()
    at.number_input(key="p-k").set_value(3)
    at.button(key="run").click().run(timeout=300)
    assert not at.exception, at.exception
    run = load_run(ws, at.session_state["run_id"])
    assert run.run_info["parameters"]["cluster"]["algo"] == "gmm" and run.run_info["quality"]["n_segments"] == 3


def test_ward_with_a_distance_threshold_from_the_form_runs(ws):
    at = _upload(_app(), "small.csv", SMALL)
    at = _page(at, "map")
    at.radio(key="p-algo").set_value("ward").run()
    at.number_input(key="p-distance-threshold").set_value(1000.0)
    at.button(key="run").click().run(timeout=300)
    assert not at.exception, at.exception
    run = load_run(ws, at.session_state["run_id"])
    assert run.run_info["parameters"]["cluster"] == {"algo": "ward", "k": "auto", "distance_threshold": 1000.0,
                                                      "seed": 0}
    assert run.run_info["quality"]["n_segments"] == 1
