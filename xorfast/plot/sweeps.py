"""Figures of sweeps (a SweepResult, from xorfast.sweep or a store): who solves, and when.

:func:`convergence_map` shows the fraction of runs solved per config over two
grid axes; :func:`epochs_to_solve` the fraction solved by each epoch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from ..sweeps.results import SweepResult, solved_mask
from ..sweeps.spec import GRID_AXES
from ._figure import COLORMAP, EPOCH_LABEL, colors, figure_and_axes, require_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GridAxis = Literal["hidden", "lr", "init_scale", "epochs"]

#: Grid axes as axis labels.
AXIS_LABELS = {
    "hidden": "hidden units",
    "lr": "learning rate (step size)",
    "init_scale": "initial weight scale (std or half-width)",
    "epochs": "training epochs",
}


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
    require_axes(ax)
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

    figsize = (min(3.4 + 1.0 * len(columns), 12), min(2.2 + 0.6 * len(rows), 9))
    figure, ax = figure_and_axes(ax, figsize)
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
    require_axes(ax)
    table = _sweep_table(sweep_result, "epochs_to_solve")
    configs = [c for c in sweep_result.spec.configs if (table["config"] == c.index).any()]
    varying = _varying(table)
    colour_key = _keyer(varying[:1])
    style_key = _keyer(varying[1:])
    colour_values = list(dict.fromkeys(colour_key(config) for config in configs))
    style_values = list(dict.fromkeys(style_key(config) for config in configs))
    colours = colors(len(colour_values))
    solved = solved_mask(table)

    figure, ax = figure_and_axes(ax, (7.2, 4.5))
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
    ax.set_xlabel(EPOCH_LABEL)
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
