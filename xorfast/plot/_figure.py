"""What every figure shares: matplotlib on demand, the axes to draw in, colours and labels.

matplotlib is imported only inside these functions, so ``xorfast.plot``
imports without the optional extra and says how to install it when a figure
is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The sequential colour map of every picture (perceptually uniform, colour-blind safe).
COLORMAP = "viridis"
#: The label of every epoch axis.
EPOCH_LABEL = "epoch (full-batch gradient steps)"


def require_matplotlib() -> type[Figure]:
    """Import matplotlib's ``Figure`` class and return it.

    Raises
    ------
    ImportError
        matplotlib is not installed; the message names the extra that installs it.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "xorfast.plot needs matplotlib, which is not installed; pip install 'xorfast[plot]'"
        ) from None
    return Figure


def require_axes(ax):
    """Refuse to draw without matplotlib, or into an ``ax`` that is not an Axes (None is fine).

    Every figure function calls this first, before anything is drawn.
    """
    require_matplotlib()
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes (e.g. figure.add_subplot()) or None; "
            f"got a {type(ax).__name__}"
        )


def figure_and_axes(ax, figsize):
    """``ax`` and its figure, or a new figure of ``figsize`` inches with one axes."""
    if ax is not None:
        return ax.figure, ax
    figure = require_matplotlib()(figsize=figsize, layout="constrained")
    return figure, figure.add_subplot()


def colors(count):
    """``count`` colours from :data:`COLORMAP`, evenly spread, dark to light."""
    import matplotlib

    # Stop short of viridis' pale yellow end, which is hard to see on white.
    return matplotlib.colormaps[COLORMAP](np.linspace(0.0, 0.85, count) if count > 1 else [0.0])
