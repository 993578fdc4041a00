"""Pictures of runs and sweeps: loss curves, decision boundaries, convergence maps.

Every function takes result objects and returns a ``matplotlib.figure.Figure``
(built directly, without pyplot, so nothing global changes and nothing is
shown). Save it with ``figure.savefig("out.png")``. Pass ``ax=`` to draw into
an existing axes instead; the function then returns that axes' figure.

matplotlib is an optional extra: ``pip install 'xorfast[plot]'``. This module
imports without it and says so when a function is called.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from .. import _validation
from ..grid import GRID_AXES
from ..result import TrainResult
from ..sweep_result import SweepResult, solved_mask

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GridAxis = Literal["hidden", "lr", "init_scale", "epochs"]

__all__ = ["loss_curve", "decision_boundary", "convergence_map", "epochs_to_solve"]

#: The sequential colour map of every picture (perceptually uniform, colour-blind safe).
COLORMAP = "viridis"
#: The input square that :func:`decision_boundary` shows, on both axes.
INPUT_RANGE = (-0.5, 1.5)
#: Grid axes as axis labels.
AXIS_LABELS = {
    "hidden": "hidden units",
    "lr": "learning rate (step size)",
    "init_scale": "initial weight scale (std or half-width)",
    "epochs": "training epochs",
}
#: Above this many runs a loss-curve legend would hide the curves; they are drawn thin instead.
MAX_LEGEND_ENTRIES = 12


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


#: Most grid points per side of :func:`decision_boundary`'s square.
MAX_RESOLUTION = 2000


def _check_ax(ax):
    """Refuse an ``ax`` that is not a matplotlib Axes, before anything is drawn."""
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes (e.g. figure.add_subplot()) or None; "
            f"got a {type(ax).__name__}"
        )


def _check_train_result(result, function):
    if not isinstance(result, TrainResult):
        raise TypeError(
            f"{function} takes the TrainResult of xorfast.train; got a {type(result).__name__}"
        )


def _axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    figure = require_matplotlib()(figsize=figsize, layout="constrained")
    return figure, figure.add_subplot()


def _colors(count):
    import matplotlib

    # Stop short of viridis' pale yellow end, which is hard to see on white.
    return matplotlib.colormaps[COLORMAP](np.linspace(0.0, 0.85, count) if count > 1 else [0.0])


def loss_curve(
    result_or_results: TrainResult | Iterable[TrainResult],
    *,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Mean squared error against epoch, on a log scale, for one run or several.

    Parameters
    ----------
    result_or_results : TrainResult or iterable of TrainResult
        Runs trained with ``log_every > 0`` so that their ``history`` holds the loss.
    labels : sequence of str, optional
        One legend label per run. Default: the seed and whatever config differs.
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
    require_matplotlib()
    _check_ax(ax)
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
        if len(result.history) == 0:
            which = "the result" if len(results) == 1 else f"result {number}"
            raise ValueError(
                f"{which} has no loss history; train with log_every > 0, "
                "e.g. xorfast.train(..., log_every=100)"
            )
        if not (np.isfinite(result.history.mse) & (result.history.mse > 0)).any():
            which = "the result" if len(results) == 1 else f"result {number}"
            raise ValueError(
                f"{which} has no finite positive loss to draw on a log scale "
                "(its run diverged); train with a smaller lr"
            )
    if labels is None:
        labels = _run_labels(results)
    elif isinstance(labels, (str, bytes)) or not np.iterable(labels):
        raise TypeError(f"labels must be a sequence of strings, one per result; got {labels!r}")
    elif len(labels := list(labels)) != len(results):
        raise ValueError(
            f"got {len(labels)} labels for {len(results)} results; give one label per result"
        )

    figure, ax = _axes(ax, (6.4, 4.5))
    many = len(results) > MAX_LEGEND_ENTRIES
    for result, label, color in zip(results, labels, _colors(len(results))):
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
    ax.set_xlabel("epoch (full-batch gradient steps)")
    ax.set_ylabel("mean squared error (log scale)")
    if len(results) == 1:
        result = results[0]
        ax.set_title(f"Training loss: {_network(result)}, {labels[0]}")
    else:
        ax.set_title(f"Training loss of {len(results)} runs")
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


def output_grid(
    result: TrainResult, *, output: int = 0, resolution: int = 201
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The network's output over the input square that :func:`decision_boundary` draws.

    Parameters
    ----------
    result : TrainResult
        A run on 2-input data.
    output : int, default 0
        Which output unit.
    resolution : int, default 201
        Grid points per side of the square ``[-0.5, 1.5]``.

    Returns
    -------
    x1, x2 : ndarray (resolution,)
        The grid coordinates.
    values : ndarray (resolution, resolution)
        ``values[i, j]`` is the output at ``(x1[j], x2[i])``.
    """
    _check_train_result(result, "output_grid")
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
    x1 = np.linspace(*INPUT_RANGE, resolution)
    x2 = np.linspace(*INPUT_RANGE, resolution)
    grid1, grid2 = np.meshgrid(x1, x2)
    points = np.column_stack([grid1.ravel(), grid2.ravel()])
    values = result.predict(points)[:, output].reshape(grid1.shape)
    return x1, x2, values.astype(np.float64)


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
        which needs 4 target rows.
    hidden_lines : bool, default False
        Also draw each hidden unit's 0.5-line, ``W1[0, h] x1 + W1[1, h] x2 + b1[h] = 0``,
        where that unit's output crosses 0.5: the cuts the output layer combines.
    output : int, default 0
        Which output unit to draw.
    resolution : int, default 201
        Grid points per side of the square ``[-0.5, 1.5]``.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.

    Returns
    -------
    matplotlib.figure.Figure

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
    require_matplotlib()
    _check_ax(ax)
    _check_train_result(result, "decision_boundary")
    if not isinstance(hidden_lines, (bool, np.bool_)):
        raise TypeError(f"hidden_lines must be True or False; got {hidden_lines!r}")
    x1, x2, values = output_grid(result, output=output, resolution=resolution)
    X = _training_inputs(X, result.targets)
    positive = result.targets[:, output] > 0.5

    from matplotlib import patheffects

    figure, ax = _axes(ax, (5.6, 4.8))
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
        _draw_hidden_lines(ax, result, halo)

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
    ax.set_xlim(*INPUT_RANGE)
    ax.set_ylim(*INPUT_RANGE)
    ax.set_xticks(np.arange(INPUT_RANGE[0], INPUT_RANGE[1] + 0.25, 0.5))
    ax.set_yticks(np.arange(INPUT_RANGE[0], INPUT_RANGE[1] + 0.25, 0.5))
    ax.set_aspect("equal")
    ax.set_xlabel("input x1")
    ax.set_ylabel("input x2")
    seed = f", seed {result.seed}" if result.seed is not None else ""
    ax.set_title(f"Output of the {_network(result)}{seed}")
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


def _draw_hidden_lines(ax, result, halo):
    """Each hidden unit's line ``w . x + b = 0``, clipped to the square, numbered from 1."""
    from matplotlib import patheffects

    low, high = INPUT_RANGE
    dark_halo = [patheffects.withStroke(linewidth=3.5, foreground="black")]
    drawn = 0
    for unit in range(result.W1.shape[1]):
        w1, w2 = (float(value) for value in result.W1[:, unit])
        bias = float(result.b1[unit])
        if max(abs(w1), abs(w2)) == 0:
            continue  # a unit with no input weights is constant: no line
        span = np.linspace(low - 1, high + 1, 2)
        if abs(w2) >= abs(w1):
            line = span, -(w1 * span + bias) / w2
        else:
            line = -(w2 * span + bias) / w1, span
        ax.plot(*line, color="white", linestyle="--", linewidth=1.5, path_effects=dark_halo)
        label = _label_point(w1, w2, bias)
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


def _label_point(w1, w2, bias):
    """A point of the line ``w1 x1 + w2 x2 + bias = 0`` inside the square, or None."""
    low, high = INPUT_RANGE
    # The line's point nearest the square's centre, then pulled along the line
    # a little, so labels of lines crossing near the centre do not coincide.
    centre = np.array([(low + high) / 2] * 2)
    normal = np.array([w1, w2])
    point = centre - (normal @ centre + bias) / (normal @ normal) * normal
    direction = np.array([-w2, w1]) / np.hypot(w1, w2)
    for shift in (0.55, -0.55, 0.3, -0.3, 0.0):
        candidate = point + shift * direction
        if np.all((candidate > low + 0.08) & (candidate < high - 0.08)):
            return tuple(candidate)
    return None


def _sweep_table(sweep_result, function):
    if not isinstance(sweep_result, SweepResult):
        raise TypeError(
            f"{function} takes the SweepResult of xorfast.sweep or "
            f"xorfast.load_sweep; got a {type(sweep_result).__name__}"
        )
    if len(sweep_result.table) == 0:
        raise ValueError(
            "the sweep has no finished runs, so there is nothing to draw; "
            "run (or resume) the sweep first"
        )
    return sweep_result.table


def _varying(table):
    """Grid axes that take several values among the runs in ``table``, in grid order."""
    return [axis for axis in GRID_AXES if len(np.unique(table[axis])) > 1]


def _map_axes(table, x, y):
    for name, value in (("x", x), ("y", y)):
        if value is not None and (not isinstance(value, str) or value not in GRID_AXES):
            raise ValueError(f"{name} must be one of {', '.join(GRID_AXES)}; got {value!r}")
    if x is not None and x == y:
        raise ValueError(f"x and y are both {x!r}; choose two different grid axes")
    varying = [axis for axis in _varying(table) if axis not in (x, y)]
    if x is None:
        x = varying.pop(0) if varying else "hidden"
    if y is None and varying:
        y = varying.pop(0)
    return x, y, varying


def convergence_map(
    sweep_result: SweepResult,
    x: GridAxis | None = None,
    y: GridAxis | None = None,
    *,
    ax: Axes | None = None,
) -> Figure:
    """The fraction of runs that solve the task, as an annotated heat map over two grid axes.

    Parameters
    ----------
    sweep_result : SweepResult
        From :func:`xorfast.sweep` or :func:`xorfast.load_sweep`.
    x, y : {"hidden", "lr", "init_scale", "epochs"}, optional
        The grid axes across and up the map. Default: the first two axes that
        take several values among the runs (for example ``hidden`` across and
        ``lr`` up); with one such axis the map is a single row.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    When more grid axes vary than the two drawn, each cell pools every run with
    its ``x`` and ``y`` values, over all values of the other axes, and the title
    says which axes were pooled. To look at one value of such an axis instead,
    pass only its rows, e.g.
    ``SweepResult(result.spec, result.table[result.table["epochs"] == 5000])``.
    A cell whose runs are all missing (an interrupted sweep) is grey.
    A run counts as solved when it did not diverge and every output ended within
    0.5 of its target.

    Raises
    ------
    ValueError
        The sweep has no finished runs, or ``x``/``y`` is not a grid axis.

    Examples
    --------
    >>> import xorfast
    >>> result = xorfast.sweep(hidden=[2, 3, 4], lr=[0.1, 1.0], seeds=100)  # doctest: +SKIP
    >>> convergence_map(result).savefig("map.png")                          # doctest: +SKIP
    """
    require_matplotlib()
    _check_ax(ax)
    table = _sweep_table(sweep_result, "convergence_map")
    x, y, pooled = _map_axes(table, x, y)
    order = {axis: list(getattr(sweep_result.spec, axis)) for axis in GRID_AXES}
    # The spec's order, keeping only values that have runs.
    columns = [value for value in order[x] if value in table[x]]
    rows = [value for value in order[y] if value in table[y]] if y is not None else [None]
    solved = solved_mask(table)
    runs = np.zeros((len(rows), len(columns)), dtype=np.int64)
    wins = np.zeros_like(runs)
    for i, row_value in enumerate(rows):
        in_row = table[y] == row_value if y is not None else np.ones(len(table), bool)
        for j, column_value in enumerate(columns):
            cell = in_row & (table[x] == column_value)
            runs[i, j] = cell.sum()
            wins[i, j] = (cell & solved).sum()
    fraction = np.where(runs > 0, wins / np.maximum(runs, 1), np.nan)

    import matplotlib

    figure, ax = _axes(ax, (min(3.4 + 1.0 * len(columns), 12), min(2.2 + 0.6 * len(rows), 9)))
    colormap = matplotlib.colormaps[COLORMAP].with_extremes(bad="0.85")
    image = ax.imshow(
        np.ma.masked_invalid(fraction),
        cmap=colormap,
        vmin=0.0,
        vmax=1.0,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
    )
    colorbar = figure.colorbar(image, ax=ax)
    colorbar.set_label("fraction of runs solved")
    same_count = len(set(runs[runs > 0].tolist())) == 1
    fontsize = "medium" if len(columns) <= 6 else "small"
    for i in range(len(rows)):
        for j in range(len(columns)):
            text = _percent(wins[i, j], runs[i, j])
            if not same_count and runs[i, j]:
                text += f"\nof {runs[i, j]}"
            shade = colormap(fraction[i, j]) if runs[i, j] else (0.85, 0.85, 0.85, 1)
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=fontsize,
                color="black" if _luminance(shade) > 0.45 else "white",
            )
    ax.set_xticks(range(len(columns)), [_tick(value) for value in columns])
    ax.set_xlabel(AXIS_LABELS[x])
    if y is not None:
        ax.set_yticks(range(len(rows)), [_tick(value) for value in rows])
        ax.set_ylabel(AXIS_LABELS[y])
    else:
        ax.set_yticks([])
    ax.tick_params(length=0)
    count = f"{runs.max()} runs per cell" if same_count else "runs per cell vary"
    title = f"Runs solved ({count})"
    if pooled:
        title += f"\npooled over {', '.join(pooled)}"
    ax.set_title(title)
    return figure


def _percent(wins, runs):
    """``wins / runs`` as a whole percentage that reads 0% or 100% only when exact."""
    if runs == 0:
        return "no runs"
    percent = 100 * wins / runs
    if 0 < wins < runs and round(percent) in (0, 100):
        return "<1%" if percent < 50 else ">99%"
    return f"{percent:.0f}%"


def _luminance(rgba):
    red, green, blue = rgba[:3]
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _tick(value):
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def epochs_to_solve(sweep_result: SweepResult, *, ax: Axes | None = None) -> Figure:
    """Per config, the fraction of runs solved by each epoch (an empirical CDF over seeds).

    Runs that never solve the task count in the denominator, so each curve
    ends at that config's solved fraction rather than at 1.

    Parameters
    ----------
    sweep_result : SweepResult
        From :func:`xorfast.sweep` or :func:`xorfast.load_sweep`.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The colour gives the value of the first grid axis that varies (e.g.
    ``hidden``), the line style the values of the others (e.g. ``lr``). There
    are six line styles; with more combinations they repeat, so draw fewer
    configs at once (pass a :class:`SweepResult` of the rows you want).

    Raises
    ------
    ValueError
        The sweep has no finished runs.

    Examples
    --------
    >>> import xorfast
    >>> result = xorfast.sweep(hidden=[2, 4], seeds=100)  # doctest: +SKIP
    >>> epochs_to_solve(result).savefig("cdf.png")        # doctest: +SKIP
    """
    require_matplotlib()
    _check_ax(ax)
    table = _sweep_table(sweep_result, "epochs_to_solve")
    configs = [c for c in sweep_result.spec.configs if (table["config"] == c.index).any()]
    varying = _varying(table)
    colour_key = _keyer(varying[:1])
    style_key = _keyer(varying[1:])
    colour_values = list(dict.fromkeys(colour_key(config) for config in configs))
    style_values = list(dict.fromkeys(style_key(config) for config in configs))
    colours = _colors(len(colour_values))
    solved = solved_mask(table)

    figure, ax = _axes(ax, (7.2, 4.5))
    for config in configs:
        mine = table["config"] == config.index
        epochs = np.sort(table["epoch_solved"][mine & solved & (table["epoch_solved"] >= 0)])
        steps = np.arange(len(epochs) + 1) / mine.sum()
        ax.step(
            np.concatenate([[0], epochs, [config.epochs]]),
            np.concatenate([steps, steps[-1:]]),
            where="post",
            color=colours[colour_values.index(colour_key(config))],
            linestyle=_LINESTYLES[style_values.index(style_key(config)) % len(_LINESTYLES)],
            label=_config_label(config, varying) or f"{mine.sum()} runs",
        )
    ax.set_xlim(0, max(config.epochs for config in configs) or 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("epoch (full-batch gradient steps)")
    ax.set_ylabel("fraction of runs solved by then")
    ax.set_title("Epochs to solve (share of all runs, solved or not)")
    ax.grid(True, alpha=0.3)
    if len(varying) >= 2:
        handles = [
            _legend_line(colour, "-", _config_label(value, varying[:1]))
            for value, colour in zip(colour_values, colours)
        ]
        handles += [
            _legend_line(
                "0.3", _LINESTYLES[i % len(_LINESTYLES)], _config_label(value, varying[1:])
            )
            for i, value in enumerate(style_values)
        ]
        ax.legend(
            handles=handles,
            fontsize="small",
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            frameon=False,
        )
    elif len(configs) > 1:
        ax.legend(
            fontsize="small",
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            frameon=False,
            ncol=1 + (len(configs) - 1) // 16,
        )
    return figure


_LINESTYLES = ("-", "--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 4)))


def _keyer(axes):
    """A function giving a config's values on ``axes`` as a dict (hashable via tuple)."""
    return lambda config: tuple((axis, getattr(config, axis)) for axis in axes)


def _config_label(config, axes):
    """``"hidden 2, lr 0.5"``: the values of ``axes`` for a config or a key from :func:`_keyer`."""
    values = dict(config) if isinstance(config, tuple) else {a: getattr(config, a) for a in axes}
    return ", ".join(f"{axis} {_tick(values[axis])}" for axis in axes)


def _legend_line(colour, linestyle, label):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, linestyle=linestyle, label=label)
