"""Pictures of runs and sweeps: loss curves, decision boundaries, convergence maps.

Every function takes result objects and returns a ``matplotlib.figure.Figure``
(built directly, without pyplot, so nothing global changes and nothing is
shown). Save it with ``figure.savefig("out.png")``. Pass ``ax=`` to draw into
an existing axes instead; the function then returns that axes' figure.

matplotlib is an optional extra: ``pip install 'xorfast[plot]'``. This package
imports without it and says so when a function is called.
"""

from .runs import (
    AXIS_LABELS,
    COLORMAP,
    INPUT_RANGE,
    MAX_LEGEND_ENTRIES,
    MAX_RESOLUTION,
    GridAxis,
    _percent,
    _readable_log_labels,
    convergence_map,
    decision_boundary,
    epochs_to_solve,
    loss_curve,
    output_grid,
    require_matplotlib,
)

__all__ = ["loss_curve", "decision_boundary", "convergence_map", "epochs_to_solve"]
