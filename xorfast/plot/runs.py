"""Figures of single runs (a TrainResult, from xorfast.train): its loss and its boundary.

:func:`loss_curve` draws the logged loss of one run or several;
:func:`decision_boundary` the network's output over the input square of a
2-input run, with :func:`output_grid` the values it shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .. import _validation
from ..result import TrainResult
from ._figure import (
    COLORMAP,
    colors,
    context,
    dataset_name,
    epoch_axis,
    figure_and_axes,
    require_axes,
    with_context,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The input square that :func:`decision_boundary` shows for 0/1 inputs, on both axes.
#: Other inputs get the same margin: half the data's span on each side of it.
INPUT_RANGE = (-0.5, 1.5)
#: Most grid points per side of :func:`decision_boundary`'s square.
MAX_RESOLUTION = 2000
#: Above this many runs a loss-curve legend would hide the curves; they are drawn thin instead.
MAX_LEGEND_ENTRIES = 12


def _check_train_result(result, function):
    if not isinstance(result, TrainResult):
        raise TypeError(
            f"{function} takes the TrainResult of xorfast.train; got a {type(result).__name__}"
        )


def loss_curve(
    result_or_results: TrainResult | Iterable[TrainResult],
    *,
    labels: Sequence[str] | None = None,
    log_epochs: bool = False,
    data: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Mean squared error against epoch, on a log scale, for one run or several.

    Parameters
    ----------
    result_or_results : TrainResult or iterable of TrainResult
        Runs trained with ``log_every > 0`` so that their ``history`` holds the loss.
    labels : sequence of str, optional
        One legend label per run. Default: the seed and whatever config differs.
    log_epochs : bool, default False
        Draw the epoch axis on a log scale too (linear below epoch 1, so epoch 0 stays).
    data : str, optional
        The data set's name, for the title (a TrainResult does not keep its
        inputs). The title also gives the epochs and the loss when every run
        shares them.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        No runs, a run without a logged loss, or a wrong number of labels.

    Examples
    --------
    >>> import xorfast
    >>> runs = [xorfast.train(seed=s, log_every=100) for s in range(3)]  # doctest: +SKIP
    >>> loss_curve(runs).savefig("loss.png")                              # doctest: +SKIP
    """
    require_axes(ax)
    if isinstance(result_or_results, TrainResult):
        results = [result_or_results]
    elif isinstance(result_or_results, (str, bytes)) or not np.iterable(result_or_results):
        raise TypeError(
            f"loss_curve takes a TrainResult or a list of them; "
            f"got a {type(result_or_results).__name__}"
        )
    else:
        results = list(result_or_results)
    if not results:
        raise ValueError("loss_curve got no results; pass a TrainResult or a list of them")
    for number, result in enumerate(results):
        if not isinstance(result, TrainResult):
            raise TypeError(
                f"loss_curve takes TrainResult objects from xorfast.train; "
                f"item {number} is a {type(result).__name__}"
            )
        which = "the result" if len(results) == 1 else f"result {number}"
        if len(result.history) == 0:
            raise ValueError(
                f"{which} has no loss history; train with log_every > 0, "
                "e.g. xorfast.train(..., log_every=100)"
            )
        if not (np.isfinite(result.history.mse) & (result.history.mse > 0)).any():
            raise ValueError(
                f"{which} has no finite positive loss to draw on a log scale "
                "(its run diverged); train with a smaller lr"
            )
    if not isinstance(log_epochs, (bool, np.bool_)):
        raise TypeError(f"log_epochs must be True or False; got {log_epochs!r}")
    if data is not None and not isinstance(data, str):
        raise TypeError(f"data must be the data set's name (a str) or None; got {data!r}")
    if labels is None:
        labels = _run_labels(results)
    elif isinstance(labels, (str, bytes)) or not np.iterable(labels):
        raise TypeError(f"labels must be a sequence of strings, one per result; got {labels!r}")
    elif len(labels := list(labels)) != len(results):
        raise ValueError(
            f"got {len(labels)} labels for {len(results)} results; give one label per result"
        )

    figure, ax = figure_and_axes(ax, (6.4, 4.5))
    many = len(results) > MAX_LEGEND_ENTRIES
    for result, label, color in zip(results, labels, colors(len(results))):
        ax.plot(
            result.history.epoch,
            result.history.mse,
            color=color,
            label=label,
            linewidth=1.0 if many else 1.8,
            alpha=0.6 if many else 1.0,
        )
    ax.set_yscale("log")
    _readable_log_labels(ax.yaxis)
    last = max(int(result.history.epoch[-1]) for result in results)
    epoch_axis(ax, log=log_epochs, high=last if log_epochs else None)
    ax.set_ylabel("mean squared error (log scale)")
    line = _run_context(results, data)
    if len(results) == 1:
        result = results[0]
        ax.set_title(with_context(f"Training loss: {_network(result)}, {labels[0]}", line))
    else:
        ax.set_title(with_context(f"Training loss of {len(results)} runs", line))
        if not many:
            ax.legend(fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return figure


def _readable_log_labels(axis):
    """Tick labels for a log axis that stay legible whatever its span.

    matplotlib labels the minor ticks of a narrow log axis as ``1.4 x 10^-1``,
    ``1.6 x 10^-1``, ..., which crowd the axis. Here: under a decade, every tick
    as a plain number; under three decades, powers of ten and the 2s and 5s as
    plain numbers; wider, powers of ten alone.
    """
    from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation

    powers = LogFormatterSciNotation()
    powers.set_axis(axis)

    def label(value, position, *, minor):
        low, high = axis.get_view_interval()
        decades = np.log10(high / low) if low > 0 and high > low else 0.0
        leading = round(value / 10 ** np.floor(np.log10(value) + 1e-9))
        if decades < 1:
            return f"{value:g}"
        if decades < 3:
            return f"{value:g}" if not minor or leading in (2, 5) else ""
        return "" if minor else powers(value, position)

    axis.set_major_formatter(FuncFormatter(lambda value, pos: label(value, pos, minor=False)))
    axis.set_minor_formatter(FuncFormatter(lambda value, pos: label(value, pos, minor=True)))


def _run_context(results, data):
    """The title line of runs: ``data``, and the epochs and loss when all runs share them."""
    epochs = {result.config.get("epochs") for result in results}
    losses = {result.config.get("loss") for result in results}
    return context(
        data,
        epochs.pop() if len(epochs) == 1 and None not in epochs else None,
        losses.pop() if len(losses) == 1 else None,
    )


def _network(result):
    inputs, hidden = result.W1.shape
    return f"{inputs}-{hidden}-{result.W2.shape[1]} net"


def _run_labels(results):
    keys = [
        key
        for key in results[0].config
        if len({repr(result.config.get(key)) for result in results}) > 1
    ]
    labels = []
    for number, result in enumerate(results):
        parts = [f"seed {result.seed}" if result.seed is not None else f"run {number}"]
        parts += [
            f"{key} {result.config[key]:g}"
            if isinstance(result.config[key], float)
            else f"{key} {result.config[key]}"
            for key in keys
        ]
        if result.diverged:
            parts.append("diverged")
        labels.append(", ".join(parts))
    return labels


def _check_grid(result, output, resolution, function):
    """``output`` and ``resolution`` checked for a 2-input run that did not diverge."""
    _check_train_result(result, function)
    resolution = _validation.integer("resolution", resolution, minimum=2, maximum=MAX_RESOLUTION)
    output = _validation.integer("output", output, minimum=0)
    inputs, outputs = result.W1.shape[0], result.W2.shape[1]
    if inputs != 2:
        raise ValueError(
            f"decision_boundary draws networks with 2 inputs; this one has "
            f"{inputs} (a {_network(result)}), so its boundary is not a "
            "curve in the plane"
        )
    if not 0 <= output < outputs:
        raise ValueError(f"output must be from 0 to {outputs - 1}; got {output}")
    if result.diverged:
        raise ValueError(
            "this run diverged (its weights are not finite or its units are "
            "pinned at 0 or 1), so there is no boundary to draw; try a smaller lr"
        )
    return output, resolution


def output_grid(
    result: TrainResult,
    *,
    X: npt.ArrayLike | None = None,
    output: int = 0,
    resolution: int = 201,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The network's output over the input plane that :func:`decision_boundary` draws.

    Parameters
    ----------
    result : TrainResult
        A run on 2-input data.
    X : array_like (n, 2), optional
        Inputs whose range the grid covers (see :func:`input_range`). Default:
        the square ``[-0.5, 1.5]`` around 0/1 inputs.
    output : int, default 0
        Which output unit.
    resolution : int, default 201
        Grid points per side.

    Returns
    -------
    x1, x2 : ndarray (resolution,)
        The grid coordinates.
    values : ndarray (resolution, resolution)
        ``values[i, j]`` is the output at ``(x1[j], x2[i])``.
    """
    output, resolution = _check_grid(result, output, resolution, "output_grid")
    range1, range2 = (INPUT_RANGE, INPUT_RANGE) if X is None else input_range(X)
    x1 = np.linspace(*range1, resolution)
    x2 = np.linspace(*range2, resolution)
    grid1, grid2 = np.meshgrid(x1, x2)
    points = np.column_stack([grid1.ravel(), grid2.ravel()])
    values = result.predict(points)[:, output].reshape(grid1.shape)
    return x1, x2, values.astype(np.float64)


def input_range(X: npt.ArrayLike) -> tuple[tuple[float, float], tuple[float, float]]:
    """The ranges of ``x1`` and ``x2`` that :func:`decision_boundary` shows for inputs ``X``.

    Each is the data's range with a margin of half its span on both sides
    (a span of 1 when all values are equal), so 0/1 inputs give
    :data:`INPUT_RANGE` and bipolar (-1/1) inputs ``(-2.0, 2.0)``.

    Parameters
    ----------
    X : array_like (n, 2)
        Finite inputs, at least one row.

    Returns
    -------
    (low1, high1), (low2, high2) : tuple of float pairs
    """
    X = _validation.numeric_array("X", X)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"X must have shape (n, 2) with n >= 1; got {X.shape}")
    ranges = []
    for column in X.T.astype(np.float64):
        low, high = float(column.min()), float(column.max())
        margin = (high - low) / 2 if high > low else 0.5
        ranges.append((low - margin, high + margin))
    return ranges[0], ranges[1]


def _ticks(low, high):
    """About five ticks in steps of 1, 2 or 5 times a power of ten (0.5 for ``INPUT_RANGE``)."""
    raw = (high - low) / 4
    power = 10 ** np.floor(np.log10(raw))
    step = power * next(m for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    first = np.ceil(low / step - 1e-9) * step
    return np.arange(first, high + step * 1e-6, step)


def decision_boundary(
    result: TrainResult,
    *,
    X: npt.ArrayLike | None = None,
    hidden_lines: bool = False,
    output: int = 0,
    resolution: int = 201,
    ax: Axes | None = None,
) -> Figure:
    """The network's output over the input square, its 0.5 level and the training points.

    Parameters
    ----------
    result : TrainResult
        A run on 2-input data (XOR, AND, OR, NAND, parity2 or your own).
    X : array_like (n, 2), optional
        The training inputs, one row per row of ``result.targets``. Default: the
        2-input truth table ``00, 01, 10, 11`` shared by xorfast's data sets,
        which needs 4 target rows. The plot covers their range with a margin
        (:func:`input_range`): ``[-0.5, 1.5]`` for 0/1 inputs, ``[-2, 2]`` for
        bipolar ones.
    hidden_lines : bool, default False
        Also draw each hidden unit's 0.5-line, ``W1[0, h] x1 + W1[1, h] x2 + b1[h] = 0``,
        where that unit's output crosses 0.5: the cuts the output layer combines.
    output : int, default 0
        Which output unit to draw.
    resolution : int, default 201
        Grid points per side.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The title names the network, the seed, the data set (when ``X`` and the
    targets are one of :mod:`xorfast.datasets`), the epochs and the loss.

    Raises
    ------
    ValueError
        The network does not have 2 inputs, the run diverged, or ``X`` does not
        match the targets.

    Examples
    --------
    >>> import xorfast
    >>> result = xorfast.train(hidden=2, lr=0.5, seed=1)                # doctest: +SKIP
    >>> decision_boundary(result, hidden_lines=True).savefig("xor.png")  # doctest: +SKIP
    """
    require_axes(ax)
    _check_grid(result, output, resolution, "decision_boundary")
    if not isinstance(hidden_lines, (bool, np.bool_)):
        raise TypeError(f"hidden_lines must be True or False; got {hidden_lines!r}")
    X = _training_inputs(X, result.targets)
    ranges = input_range(X)
    x1, x2, values = output_grid(result, X=X, output=output, resolution=resolution)
    positive = result.targets[:, output] > 0.5

    from matplotlib import patheffects

    figure, ax = figure_and_axes(ax, (5.6, 4.8))
    filled = ax.contourf(x1, x2, values, levels=np.linspace(0.0, 1.0, 11), cmap=COLORMAP)
    colorbar = figure.colorbar(filled, ax=ax)
    colorbar.set_label("network output (0 to 1)")
    halo = [patheffects.withStroke(linewidth=4, foreground="white")]
    if values.min() < 0.5 < values.max():
        # A white line under the black one keeps the boundary visible on any colour.
        # (Two contours rather than path effects: a ContourSet is no Artist before 3.8.)
        ax.contour(x1, x2, values, levels=[0.5], colors="white", linewidths=4)
        ax.contour(x1, x2, values, levels=[0.5], colors="black", linewidths=2)
    ax.plot([], [], color="black", linewidth=2, path_effects=halo, label="output = 0.5")

    if hidden_lines:
        _draw_hidden_lines(ax, result, halo, ranges)

    ax.scatter(
        X[~positive, 0],
        X[~positive, 1],
        marker="s",
        s=90,
        color="white",
        edgecolors="black",
        linewidths=1.5,
        zorder=3,
        label="target 0",
    )
    ax.scatter(
        X[positive, 0],
        X[positive, 1],
        marker="o",
        s=100,
        color="black",
        edgecolors="white",
        linewidths=1.5,
        zorder=3,
        label="target 1",
    )
    ax.set_xlim(*ranges[0])
    ax.set_ylim(*ranges[1])
    ax.set_xticks(_ticks(*ranges[0]))
    ax.set_yticks(_ticks(*ranges[1]))
    ax.set_aspect("equal")
    ax.set_xlabel("input x1")
    ax.set_ylabel("input x2")
    seed = f", seed {result.seed}" if result.seed is not None else ""
    line = _run_context([result], dataset_name(X, result.targets))
    ax.set_title(with_context(f"Output of the {_network(result)}{seed}", line))
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=4,
        fontsize="small",
        frameon=False,
        handlelength=1.5,
        columnspacing=1.0,
    )
    return figure


def _training_inputs(X, targets) -> np.ndarray:
    if X is None:
        if len(targets) != 4:
            raise ValueError(
                f"the result has {len(targets)} target rows, so the inputs are not "
                "the 2-input truth table; pass the training inputs as X="
            )
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    X = _validation.numeric_array("X", X)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(targets):
        raise ValueError(
            f"X must have shape ({len(targets)}, 2), one row per target row; got {X.shape}"
        )
    return X


def _draw_hidden_lines(ax, result, halo, ranges):
    """Each hidden unit's line ``w . x + b = 0``, clipped to the plot, numbered from 1."""
    from matplotlib import patheffects

    dark_halo = [patheffects.withStroke(linewidth=3.5, foreground="black")]
    drawn = 0
    for unit in range(result.W1.shape[1]):
        w1, w2 = (float(value) for value in result.W1[:, unit])
        bias = float(result.b1[unit])
        if max(abs(w1), abs(w2)) == 0:
            continue  # a unit with no input weights is constant: no line
        if abs(w2) >= abs(w1):
            low, high = ranges[0]
            span = np.linspace(low - (high - low), high + (high - low), 2)
            line = span, -(w1 * span + bias) / w2
        else:
            low, high = ranges[1]
            span = np.linspace(low - (high - low), high + (high - low), 2)
            line = -(w2 * span + bias) / w1, span
        ax.plot(*line, color="white", linestyle="--", linewidth=1.5, path_effects=dark_halo)
        label = _label_point(w1, w2, bias, ranges)
        if label is not None:
            ax.annotate(
                f"h{unit + 1}",
                label,
                color="black",
                fontsize="small",
                fontweight="bold",
                ha="center",
                va="center",
                path_effects=halo,
            )
        drawn += 1
    if drawn:
        ax.plot(
            [],
            [],
            color="white",
            linestyle="--",
            linewidth=1.5,
            path_effects=dark_halo,
            label="hidden unit = 0.5",
        )


def _label_point(w1, w2, bias, ranges):
    """A point of the line ``w1 x1 + w2 x2 + bias = 0`` inside the plot, or None."""
    low = np.array([ranges[0][0], ranges[1][0]])
    high = np.array([ranges[0][1], ranges[1][1]])
    # The line's point nearest the plot's centre, then pulled along the line
    # a little, so labels of lines crossing near the centre do not coincide.
    # (Sizes relative to the span: for INPUT_RANGE, shifts of 0.55 and an inset of 0.08.)
    span = float(np.mean(high - low))
    centre = (low + high) / 2
    normal = np.array([w1, w2])
    point = centre - (normal @ centre + bias) / (normal @ normal) * normal
    direction = np.array([-w2, w1]) / np.hypot(w1, w2)
    for shift in (0.275, -0.275, 0.15, -0.15, 0.0):
        candidate = point + shift * span * direction
        if np.all((candidate > low + 0.04 * span) & (candidate < high - 0.04 * span)):
            return tuple(candidate)
    return None
