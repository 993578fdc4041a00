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


def dataset_name(X, y):
    """The name of the xorfast data set that ``(X, y)`` is exactly, or None.

    XOR is named ``xor`` rather than ``parity2``. Inputs or targets that differ
    in any value (e.g. bipolar inputs) are not a named data set.
    """
    from .. import datasets

    X, y = np.asarray(X), np.asarray(y)
    if y.ndim == 1:
        y = y[:, None]
    if X.ndim != 2 or y.ndim != 2 or not 2 <= X.shape[1] <= datasets.MAX_PARITY_BITS:
        return None
    names = ["xor", "and", "or", "nand"] if X.shape[1] == 2 else [f"parity{X.shape[1]}"]
    for name in names:
        known_X, known_y = datasets.load(name)
        if X.shape == known_X.shape and y.shape == known_y.shape:
            if np.array_equal(X, known_X) and np.array_equal(y, known_y):
                return name
    return None


def context(data, epochs, loss):
    """A title line such as ``"xor · 5000 epochs · bce loss"``; ``None`` parts are left out.

    ``epochs`` is a number or the sorted values of a sweep's epochs axis.
    """
    parts = [data] if data else []
    if epochs is not None:
        values = sorted({int(value) for value in np.atleast_1d(epochs)})
        if len(values) == 1:
            parts.append(f"{values[0]} epochs")
        elif values:
            parts.append(f"{', '.join(str(value) for value in values)} epochs")
    if loss:
        parts.append(f"{loss} loss")
    return " · ".join(parts)


def with_context(title, line):
    """``title`` with ``line`` below it (nothing added for an empty line)."""
    return f"{title}\n{line}" if line else title


def epoch_axis(ax, *, log, high=None):
    """Label ``ax``'s x axis as epochs, on a log scale when ``log``; limits 0 to ``high``.

    The log scale is symmetric-log, linear below 1, so epoch 0 stays on the
    axis. ``high`` None keeps matplotlib's limits (not with ``log``, whose
    automatic margin would show negative epochs).
    """
    if log:
        ax.set_xscale("symlog", linthresh=1.0, linscale=0.3)
        ax.set_xlabel(f"{EPOCH_LABEL}, log scale")
    else:
        ax.set_xlabel(EPOCH_LABEL)
    if high is not None or log:
        ax.set_xlim(0, high or 1)
