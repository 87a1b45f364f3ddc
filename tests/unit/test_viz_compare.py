"""The overlap heatmap of two runs' segments (Runs page)."""

import numpy as np
import plotly.graph_objects as go

from ui.figures import overlap_figure


def test_overlap_figure_counts_escaped_names_and_row_shares():
    comparison = {"customers": 10, "ari": 0.5, "nmi": 0.6, "rows": [-1, 0], "columns": [0, 1, 2],
                  "row_names": ["Unassigned", "<b>big</b>"], "column_names": ["x", "y", "z"],
                  "overlap": [[1, 0, 1], [4, 4, 0]]}
    fig = overlap_figure(comparison)
    heat = fig.data[0]
    assert isinstance(heat, go.Heatmap)
    assert np.asarray(heat.z).tolist() == [[1, 0, 1], [4, 4, 0]]
    assert heat.y[1] == "A 0: &lt;b&gt;big&lt;/b&gt;" and heat.x == ("B 0: x", "B 1: y", "B 2: z")
    assert np.allclose(np.asarray(heat.customdata)[1], [0.5, 0.5, 0.0])
    assert np.allclose(np.asarray(heat.customdata)[0], [0.5, 0.0, 0.5])
