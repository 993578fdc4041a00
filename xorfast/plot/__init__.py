"""Pictures of runs and sweeps: loss curves, decision boundaries, convergence maps.

Every function takes result objects and returns a ``matplotlib.figure.Figure``
(built directly, without pyplot, so nothing global changes and nothing is
shown). Save it with ``figure.savefig("out.png")``. Pass ``ax=`` to draw into
an existing axes instead; the function then returns that axes' figure.

The figures of single runs are in :mod:`xorfast.plot.runs`, those of sweeps in
:mod:`xorfast.plot.sweeps`; both are importable from here. Every title names
the data set (when it is one of :mod:`xorfast.datasets`), the epochs and the
loss. To draw part of a sweep, pass a slice: ``convergence_map(result.where(hidden=2))``.

matplotlib is an optional extra: ``pip install 'xorfast[plot]'``. This package
imports without it and says so when a function is called.
"""

# __all__ names the five figures; the rest are public too, as they were in the one
# plot.py module (``as`` marks each as re-exported). Tests reach two private helpers here.
from ._figure import COLORMAP as COLORMAP
from ._figure import require_matplotlib as require_matplotlib
from .runs import INPUT_RANGE as INPUT_RANGE
from .runs import MAX_LEGEND_ENTRIES as MAX_LEGEND_ENTRIES
from .runs import MAX_RESOLUTION as MAX_RESOLUTION
from .runs import _readable_log_labels as _readable_log_labels
from .runs import decision_boundary, loss_curve
from .runs import input_range as input_range
from .runs import output_grid as output_grid
from .sweeps import AXIS_LABELS as AXIS_LABELS
from .sweeps import MAX_COLOURS as MAX_COLOURS
from .sweeps import MAX_CURVES as MAX_CURVES
from .sweeps import MAX_PANELS as MAX_PANELS
from .sweeps import RUNS_DRAWN as RUNS_DRAWN
from .sweeps import GridAxis as GridAxis
from .sweeps import _percent as _percent
from .sweeps import convergence_map, epochs_to_solve, loss_curves

__all__ = ["loss_curve", "decision_boundary", "convergence_map", "epochs_to_solve", "loss_curves"]
