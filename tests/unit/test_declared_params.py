"""Each clusterer declares its own parameters; the command line is derived from them, and saved runs of every
format load back."""

import json

import pytest

from core.cli import build_parser
from core.cli.options import clusterer_parameters, flag_of, params_from_args
from core.errors import ParameterError
from core.parameters import SegmentParams
from core.represent.embedders import EmbedderChoice
from core.schema import Param
from core.segment.clusterers import CLUSTERERS, ClusterParams

#: run.json "parameters" as written before each clusterer declared its own parameters and before
#: SegmentParams.embed (one flat dict for every algorithm; the embedder's fields at the top level)
FLAT_RUN_JSON = json.loads("""{"id_col": null, "text_cols": ["review"], "user_col": null, "roles": {"Age": "numeric"},
 "text_aggregation": "join", "embedder": "fake", "model": "all-MiniLM-L6-v2", "device": "auto", "backend": "auto",
 "weights": {"text": 1.0, "numeric": 0.5, "categorical": 0.5, "behaviour": 1.0},
 "reduce": {"n_components": 5, "n_neighbors": 15, "min_dist": 0.0, "metric": "euclidean", "max_fit_rows": 50000,
            "seed": 2},
 "map": {"n_components": 2, "n_neighbors": 15, "min_dist": 0.1, "metric": "euclidean", "max_fit_rows": 50000,
         "seed": 2},
 "cluster": {"algo": "kmeans", "k": 3, "min_cluster_size": 30, "min_samples": null, "reassign_outliers": false,
             "seed": 2},
 "stability_runs": 5, "allow_pii": [], "max_rows": 1000000}""")

EVERY_PARAMETER = [(algo, name) for algo, c in CLUSTERERS.items() for name in c.parameters()]


def _sample(declaration: Param) -> list[str]:
    """Command-line words that set a declared parameter to an allowed value other than its default."""
    if declaration.kind is bool:
        return []
    if declaration.allowed():
        return [declaration.allowed()[-1]]
    return [str(declaration.kind(declaration.low if declaration.low is not None else 1) + 1)]


@pytest.mark.parametrize("algo, name", EVERY_PARAMETER)
def test_the_command_line_has_a_flag_for_every_declared_clusterer_parameter(algo, name):
    declaration = CLUSTERERS[algo].parameters()[name]
    words = ["segment", "t.csv", "--out", "o", "--algo", algo, flag_of(name), *_sample(declaration)]
    params = params_from_args(build_parser().parse_args(words)).validate()
    assert getattr(params.cluster.settings, name) != getattr(CLUSTERERS[algo].Params(), name)


def test_the_existing_cluster_flags_keep_their_names_and_defaults():
    args = build_parser().parse_args(["segment", "t.csv", "--out", "o"])
    assert (args.algo, args.k, args.min_cluster_size, args.min_samples, args.reassign_outliers, args.seed) == (
        "hdbscan", "auto", 30, None, False, 0)
    assert params_from_args(args).cluster == ClusterParams()


def test_a_parameter_several_clusterers_declare_is_declared_alike():
    for name, (declaration, default, algos) in clusterer_parameters().items():
        for algo in algos:
            assert CLUSTERERS[algo].parameters()[name] == declaration, (algo, name)
            assert getattr(CLUSTERERS[algo].Params(), name) == default, (algo, name)


def test_flags_of_other_algorithms_are_ignored_as_before():
    args = build_parser().parse_args(["segment", "t.csv", "--out", "o", "--algo", "kmeans", "--k", "4",
                                      "--min-cluster-size", "7"])
    assert params_from_args(args).cluster.as_dict() == {"algo": "kmeans", "k": 4, "seed": 0}


def test_a_parameter_the_algorithm_does_not_declare_is_refused():
    with pytest.raises(ParameterError, match="KMeans has no parameter 'min_cluster_size'; its parameters are k"):
        ClusterParams(algo="kmeans", min_cluster_size=10)


def test_runs_saved_in_the_flat_format_load():
    params = SegmentParams.from_dict(FLAT_RUN_JSON)
    assert params.embed == EmbedderChoice(embedder="fake")
    assert params.cluster == ClusterParams(algo="kmeans", k=3, seed=2)
    assert params.embedder_choice() == EmbedderChoice(embedder="fake", seed=2)
    hdbscan = dict(FLAT_RUN_JSON["cluster"], algo="hdbscan", min_cluster_size=12, k="auto")
    assert ClusterParams.from_dict(hdbscan) == ClusterParams(algo="hdbscan", min_cluster_size=12, seed=2)


def test_the_new_format_saves_embed_and_each_clusterers_own_parameters_and_loads_back():
    params = SegmentParams(embedder="fake", model="my-model", cluster=ClusterParams("ward", distance_threshold=4.0))
    saved = json.loads(json.dumps(params.as_dict()))
    assert saved["embed"] == {"embedder": "fake", "model": "my-model", "device": "auto", "backend": "auto"}
    assert "model" not in saved and saved["cluster"] == {"algo": "ward", "k": "auto", "distance_threshold": 4.0,
                                                          "seed": 0}
    assert SegmentParams.from_dict(saved) == params


def test_the_default_model_is_named_once():
    from core.represent.embedders.sentence_transformer import DEFAULT_MODEL

    assert SegmentParams().embed.model == EmbedderChoice().model == DEFAULT_MODEL


@pytest.mark.parametrize("embed", [{"embedder": "nope"}, {"device": "tpu"}, {"backend": "fp8"}, {"model": 3}])
def test_bad_embedder_choices_are_refused(embed):
    with pytest.raises(ParameterError):
        SegmentParams(**embed).validate()
