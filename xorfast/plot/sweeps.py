"""Figures of sweeps (a SweepResult, from xorfast.sweep or a store): who solves, and when.

:func:`convergence_map` shows the fraction of runs solved per config over two
grid axes; :func:`epochs_to_solve` the fraction solved by each epoch;
:func:`loss_curves` one config's recorded loss curves (``record_every``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..options import GRID_AXES
from ..sweeps.results import SweepResult, recorded_points, solved_mask, wilson_interval
from ._figure import (
    COLORMAP,
    colors,
    context,
    dataset_name,
    epoch_axis,
    figure_and_axes,
    require_axes,
    require_matplotlib,
    with_context,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

GridAxis = Literal[
    "hidden", "lr", "momentum", "init_scale", "epochs", "activation", "weight_decay"
]

#: Grid axes as axis labels.
AXIS_LABELS = {
    "hidden": "hidden units",
    "lr": "learning rate (step size)",
    "momentum": "momentum (heavy ball)",
    "init_scale": "initial weight scale (std or half-width)",
    "epochs": "training epochs",
    "activation": "hidden activation",
    "weight_decay": "weight decay (L2)",
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


def sweep_context(spec, table):
    """The title line of a sweep's figure: data set (when named), epochs, loss, solved rule.

    The rule is what "solved" means in every count and curve of the figure: each
    output within the sweep's ``margin`` of its target.
    """
    line = context(dataset_name(spec.X, spec.y), table["epochs"], spec.loss)
    return f"{line} · solved at |error| < {spec.margin:g}"


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
    intervals: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """The fraction of runs that solve the task, as an annotated heat map over two grid axes.

    Parameters
    ----------
    sweep_result : SweepResult
        From :func:`xorfast.sweep` or :func:`xorfast.load_sweep`.
    x, y : {"hidden", "lr", "momentum", "init_scale", "epochs"}, optional
        The grid axes across and up the map. Default: the first two axes that
        take several values among the runs (for example ``hidden`` across and
        ``lr`` up); with one such axis the map is a single row.
    intervals : bool, default False
        Also write each cell's Wilson 95% interval under its percentage, e.g.
        ``41%`` over ``38-44%``, rounded outwards to whole percentages (the
        interval :meth:`SweepResult.summary` gives as ``solved_low`` and
        ``solved_high``, here over the cell's pooled runs).
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
    pass a slice: ``convergence_map(result.where(epochs=5000))``.
    The title names the data set (when it is one of :mod:`xorfast.datasets`),
    the epochs and the loss.
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
    if not isinstance(intervals, (bool, np.bool_)):
        raise TypeError(f"intervals must be True or False; got {intervals!r}")
    x, y, pooled = _map_axes(table, x, y)
    order = {axis: list(getattr(sweep_result.spec, axis)) for axis in GRID_AXES}
    # The spec's order, keeping only values that have runs.
    columns = [value for value in order[x] if value in table[x]]
    rows = [value for value in order[y] if value in table[y]] if y is not None else [None]
    solved = solved_mask(table, sweep_result.spec.margin)
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
    fontsize = "medium" if len(columns) <= 6 and not intervals else "small"
    for i in range(len(rows)):
        for j in range(len(columns)):
            text = _percent(wins[i, j], runs[i, j])
            if not same_count and runs[i, j]:
                text += f"\nof {runs[i, j]}"
            if intervals and runs[i, j]:
                text += "\n" + _interval_text(wins[i, j], runs[i, j])
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
    title = with_context(f"Runs solved ({count})", sweep_context(sweep_result.spec, table))
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


def _interval_text(wins, runs):
    """The Wilson 95% interval of ``wins / runs`` as whole percentages, ``"38-44%"``.

    Rounded outwards (down, then up), so that the text never claims a
    narrower interval: 1000 of 1000 reads ``99-100%``, not ``100-100%``.
    """
    low, high = wilson_interval(int(wins), int(runs))
    return f"{math.floor(100 * low + 1e-9):.0f}-{math.ceil(100 * high - 1e-9):.0f}%"


def _luminance(rgba):
    red, green, blue = rgba[:3]
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _tick(value):
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def epochs_to_solve(
    sweep_result: SweepResult,
    *,
    log_epochs: bool = False,
    intervals: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """Per config, the fraction of runs solved by each epoch (an empirical CDF over seeds).

    Runs that never solve the task count in the denominator, so each curve
    ends at that config's solved fraction rather than at 1.

    Parameters
    ----------
    sweep_result : SweepResult
        From :func:`xorfast.sweep` or :func:`xorfast.load_sweep`.
    log_epochs : bool, default False
        Draw the epoch axis on a log scale (linear below epoch 1, so epoch 0 stays).
    intervals : bool, default True
        Mark each curve's final solved fraction with its Wilson 95% interval,
        a vertical bar in the curve's colour at the curve's end (the bars of
        curves ending at the same epoch are set a little apart, leftwards).
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure. When the curves are split into
        panels (see Notes), the panels take ``ax``'s place in its figure.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The colour gives the value of the first grid axis that varies (e.g.
    ``hidden``), the line style the values of the others (e.g. ``lr``). One
    panel holds at most :data:`MAX_CURVES` curves in at most
    :data:`MAX_COLOURS` colours and six line styles. Beyond that, the curves
    are split into one panel per value of one varying axis (the last one that
    makes every panel fit, at most :data:`MAX_PANELS` panels). When no split
    fits (or ``ax`` is not a grid cell of its figure), every curve is drawn
    solid and thin in one panel, coloured by the first varying axis, without
    interval bars, and a note under the title says which axes the lines of one
    colour differ in; the legend names the colours when there are at most
    :data:`MAX_COLOURS` of them, else the note gives the first and last. Line styles
    are never reused for different values. To draw fewer configs, pass a
    slice: ``epochs_to_solve(result.where(hidden=2))``.

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
    for name, flag in (("log_epochs", log_epochs), ("intervals", intervals)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {flag!r}")
    configs = [c for c in sweep_result.spec.configs if (table["config"] == c.index).any()]
    varying = _varying(table)
    title = "Epochs to solve (share of all runs, solved or not)"
    line = sweep_context(sweep_result.spec, table)
    if intervals:
        line += (" · " if line else "") + "bars: 95% intervals"
    facet = _facet_axis(configs, varying, ax)
    if facet is False:
        # Too many curves to label: solid thin lines, told apart by colour alone, no bars.
        figure, ax = figure_and_axes(ax, (7.2, 4.5))
        _draw_panel(
            ax,
            table,
            sweep_result.spec.margin,
            configs,
            _Styles(configs, varying, crowded=True),
            log_epochs,
            False,
        )
        values = list(dict.fromkeys(getattr(config, varying[0]) for config in configs))
        note = f"{len(configs)} configs"
        if len(values) > MAX_COLOURS:
            note += f", {varying[0]} {_tick(values[0])} dark to {_tick(values[-1])} light"
        else:
            _outside_legend(ax, _Styles(configs, varying[:1]).handles())
        if len(varying) > 1:
            note += f"; lines of one colour differ in {', '.join(varying[1:])}"
        line = sweep_context(sweep_result.spec, table)
        ax.set_title(with_context(with_context(title, line), f"{note}; select a slice to label"))
        return figure
    if facet is None:
        figure, ax = figure_and_axes(ax, (7.2, 4.5))
        styles = _Styles(configs, varying)
        _draw_panel(ax, table, sweep_result.spec.margin, configs, styles, log_epochs, intervals)
        ax.set_title(with_context(title, line))
        if len(varying) >= 2:
            _outside_legend(ax, styles.handles())
        elif len(configs) > 1:
            _outside_legend(ax, None)
        return figure

    rest = [axis for axis in varying if axis != facet]
    styles = _Styles(configs, rest)
    panels = list(dict.fromkeys(getattr(config, facet) for config in configs))
    columns = len(panels) if len(panels) <= 3 else -(-len(panels) // 2)
    rows = -(-len(panels) // columns)
    container: Figure | SubFigure
    if ax is None:
        figure = require_matplotlib()(
            figsize=(min(2.0 + 3.2 * columns, 14), 1.2 + 3.0 * rows), layout="constrained"
        )
        container = figure
    else:
        figure = ax.figure
        spot = ax.get_subplotspec()
        assert spot is not None  # _facet_axis split only an axes with a grid cell
        ax.remove()
        container = figure.add_subfigure(spot)
    axes = container.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    for panel_ax, value in zip(axes, panels):
        mine = [config for config in configs if getattr(config, facet) == value]
        _draw_panel(panel_ax, table, sweep_result.spec.margin, mine, styles, log_epochs, intervals)
        epoch_label = panel_ax.get_xlabel()
        panel_ax.set_title(_config_label(((facet, value),), [facet]), fontsize="medium")
        panel_ax.label_outer()
        # Epoch numbers under every panel: they also keep the rows' tick labels apart.
        panel_ax.xaxis.set_tick_params(labelbottom=True)
    for spare in axes[len(panels) :]:
        spare.set_visible(False)
    container.supxlabel(epoch_label, fontsize="medium")
    for panel_ax in axes:
        panel_ax.set_xlabel("")
    container.suptitle(with_context(title, line))
    container.legend(
        handles=styles.handles(), fontsize="small", loc="outside right center", frameon=False
    )
    return figure


#: Most curves in one panel of :func:`epochs_to_solve`.
MAX_CURVES = 16
#: Most colours (values of one axis) in one panel of :func:`epochs_to_solve`.
MAX_COLOURS = 8
#: Most panels :func:`epochs_to_solve` splits its curves into.
MAX_PANELS = 6

_LINESTYLES = ("-", "--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 4)))


def _fits(configs, axes):
    """Whether ``configs`` can share one panel: colour for ``axes[0]``, style for the rest."""
    colours = {_keyer(axes[:1])(config) for config in configs}
    styles = {_keyer(axes[1:])(config) for config in configs}
    return (
        len(configs) <= MAX_CURVES
        and len(colours) <= MAX_COLOURS
        and len(styles) <= len(_LINESTYLES)
    )


def _facet_axis(configs, varying, ax):
    """None (one panel fits), the axis to split into panels by, or False (nothing fits).

    A split fits when it makes at most :data:`MAX_PANELS` panels of at most
    :data:`MAX_CURVES` curves each, and the colours and line styles, shared
    by all panels, stay within :data:`MAX_COLOURS` and the six styles.
    """
    if _fits(configs, varying):
        return None
    if ax is not None and ax.get_subplotspec() is None:
        return False
    for facet in reversed(varying):
        rest = [axis for axis in varying if axis != facet]
        values = [getattr(config, facet) for config in configs]
        counts = [values.count(value) for value in dict.fromkeys(values)]
        colours = {_keyer(rest[:1])(config) for config in configs}
        styles = {_keyer(rest[1:])(config) for config in configs}
        if (
            rest
            and len(counts) <= MAX_PANELS
            and max(counts) <= MAX_CURVES
            and len(colours) <= MAX_COLOURS
            and len(styles) <= len(_LINESTYLES)
        ):
            return facet
    return False


class _Styles:
    """The colour (value of ``axes[0]``) and line style (values of the rest) of each config.

    ``crowded``: every line solid, the colours alone told apart.
    """

    def __init__(self, configs, axes, *, crowded=False):
        self.axes = list(axes)
        self.crowded = crowded
        self.colour_key = _keyer(self.axes[:1])
        self.style_key = _keyer(self.axes[1:])
        self.colour_values = list(dict.fromkeys(self.colour_key(config) for config in configs))
        self.style_values = list(dict.fromkeys(self.style_key(config) for config in configs))
        self.colours = colors(len(self.colour_values))

    def colour(self, config):
        return self.colours[self.colour_values.index(self.colour_key(config))]

    def linestyle(self, config):
        if self.crowded:
            return "-"
        return _LINESTYLES[self.style_values.index(self.style_key(config))]

    def handles(self):
        """Legend entries: one per colour, then one per line style (when styles vary)."""
        handles = [
            _legend_line(colour, "-", _config_label(value, self.axes[:1]))
            for value, colour in zip(self.colour_values, self.colours)
        ]
        if len(self.axes) > 1 and not self.crowded:
            handles += [
                _legend_line("0.3", _LINESTYLES[i], _config_label(value, self.axes[1:]))
                for i, value in enumerate(self.style_values)
            ]
        return handles


def _outside_legend(ax, handles):
    """A legend right of ``ax``; ``handles`` None: the labelled lines, in columns of 16."""
    count = len(handles) if handles is not None else len(ax.lines)
    ax.legend(
        **({"handles": handles} if handles is not None else {}),
        fontsize="small",
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        frameon=False,
        ncol=1 + (count - 1) // 16,
    )


def _draw_panel(ax, table, margin, configs, styles, log_epochs, intervals):
    """Draw the curves of ``configs`` into ``ax`` in the colours and styles of ``styles``."""
    solved = solved_mask(table, margin)
    high = max(config.epochs for config in configs)
    label_axes = [axis for axis in GRID_AXES if axis in styles.axes]
    ends = {}
    for config in configs:
        mine = table["config"] == config.index
        runs = int(mine.sum())
        epochs = np.sort(table["epoch_solved"][mine & solved & (table["epoch_solved"] >= 0)])
        steps = np.arange(len(epochs) + 1) / runs
        colour = styles.colour(config)
        ax.step(
            np.concatenate([[0], epochs, [config.epochs]]),
            np.concatenate([steps, steps[-1:]]),
            where="post",
            color=colour,
            linestyle=styles.linestyle(config),
            linewidth=1.0 if styles.crowded else 1.5,
            alpha=0.7 if styles.crowded else 1.0,
            label=_config_label(config, label_axes) or f"{runs} runs",
        )
        ends.setdefault(config.epochs, []).append((colour, int((mine & solved).sum()), runs))
    if intervals:
        _draw_intervals(ax, ends, high, log_epochs)
    epoch_axis(ax, log=log_epochs, high=high)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("fraction of runs solved by then")
    ax.grid(True, alpha=0.3)


def _draw_intervals(ax, ends, high, log_epochs):
    """Wilson 95% bars at the curves' ends, those ending together set apart leftwards."""
    for end, curves in ends.items():
        for number, (colour, wins, runs) in enumerate(curves):
            back = len(curves) - 1 - number
            if log_epochs and end > 1:
                # Apart by a fixed share of the decades shown.
                x = end / 10 ** (back * min(0.015, 0.15 / len(curves)) * np.log10(high))
            else:
                x = end - back * min(0.015, 0.15 / len(curves)) * high
            low, top = wilson_interval(wins, runs)
            ax.vlines(x, low, top, colors=[colour], linewidth=2.5, alpha=0.8, zorder=3)


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


#: Individual runs :func:`loss_curves` draws of each kind (solved, unsolved) by default.
RUNS_DRAWN = 40


def loss_curves(
    sweep_result: SweepResult,
    *,
    runs: int = RUNS_DRAWN,
    log_epochs: bool = False,
    ax: Axes | None = None,
    **config: float,
) -> Figure:
    """The loss curves of one config's runs: median and 10-90% band, solved and unsolved apart.

    Parameters
    ----------
    sweep_result : SweepResult
        From a sweep with ``record_every`` (:func:`xorfast.sweep` or
        :func:`xorfast.load_sweep`).
    runs : int, default 40
        Individual runs drawn, as thin lines, of each kind (the first ones in
        the table); 0 draws only the medians and bands.
    log_epochs : bool, default False
        Draw the epoch axis on a log scale (linear below epoch 1, so epoch 0 stays).
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.
    **config
        The config, a value of each grid axis the sweep varies, as for
        :meth:`SweepResult.trajectories`; none for a sweep of one config.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Solved runs (not diverged, every output within ``margin`` of its target at
    the end) and unsolved ones each get a colour, a median line and a band from
    the 10th to the 90th percentile of their MSE at each recorded epoch; the
    legend gives their counts. With early stop a run counts only up to the
    epoch it stopped at, so late epochs summarise the runs still training.
    The MSE axis is logarithmic; the title names the network, the config, the
    data set (when named), the epochs and the loss.

    Raises
    ------
    ValueError
        The sweep recorded no trajectories, or ``config`` names no single config.

    Examples
    --------
    >>> import xorfast
    >>> result = xorfast.sweep(hidden=2, lr=0.5, seeds=500, record_every=50)  # doctest: +SKIP
    >>> loss_curves(result).savefig("curves.png")                              # doctest: +SKIP
    """
    require_axes(ax)
    _sweep_table(sweep_result, "loss_curves")
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 0:
        raise ValueError(f"runs must be a whole number >= 0; got {runs!r}")
    if not isinstance(log_epochs, (bool, np.bool_)):
        raise TypeError(f"log_epochs must be True or False; got {log_epochs!r}")
    spec = sweep_result.spec
    # The config first, so that a wrong one is reported in loss_curves' name.
    chosen, rows = sweep_result._config_rows(config, "loss_curves")
    seeds, curves = sweep_result.trajectories(**config)
    if not len(rows):
        wanted = ", ".join(f"{axis}={_tick(value)}" for axis, value in config.items())
        raise ValueError(
            f"no finished run of {wanted or 'the config'} in this result (a store read "
            "while its sweep runs, or one interrupted, holds only the runs finished); "
            "run the same sweep with the same store to finish it"
        )
    table = sweep_result.table[rows]
    every = spec.record_every
    epochs = np.append(np.arange(0, chosen.epochs, every), chosen.epochs).astype(float)
    updates = table["updates"]
    # On the grid of recorded epochs, a stopped run's last value (its stop epoch,
    # between two of them) is left out of the bands; its own line keeps it. A run
    # stopped on a recorded epoch ends with that epoch's own value: it stays.
    banded = curves.copy()
    stopped = np.flatnonzero((updates < chosen.epochs) & (updates % every != 0))
    banded[stopped, -(-updates[stopped] // every)] = np.nan
    solved = solved_mask(table, spec.margin)

    figure, ax = figure_and_axes(ax, (6.8, 4.6))
    palette = {"solved": colors(2)[0], "unsolved": (0.85, 0.33, 0.1, 1.0)}
    for kind, members in (("solved", solved), ("unsolved", ~solved)):
        chosen_rows = np.flatnonzero(members)
        if not len(chosen_rows):
            continue
        color = palette[kind]
        for row in chosen_rows[:runs].tolist():
            length = recorded_points(int(updates[row]), every)
            x = np.append(epochs[: length - 1], updates[row])
            ax.plot(x, curves[row, :length], color=color, linewidth=0.6, alpha=0.25)
        values = banded[chosen_rows]
        counted = np.isfinite(values).any(axis=0)
        with np.errstate(all="ignore"):
            low, median, high = (
                np.where(
                    counted, np.nanpercentile(np.where(counted, values, 0), q, axis=0), np.nan
                )
                for q in (10, 50, 90)
            )
        ax.fill_between(epochs, low, high, color=color, alpha=0.25, linewidth=0)
        ax.plot(
            epochs,
            median,
            color=color,
            linewidth=2.2,
            label=f"{kind} ({len(chosen_rows)}): median, 10-90% band",
        )
    ax.set_yscale("log")
    from .runs import _readable_log_labels

    _readable_log_labels(ax.yaxis)
    epoch_axis(ax, log=log_epochs, high=chosen.epochs)
    ax.set_ylabel("mean squared error (log scale)")
    network = f"{spec.X.shape[1]}-{chosen.hidden}-{spec.y.shape[1]}"
    # The network names hidden; momentum and init_scale only away from their defaults.
    named = [f"lr {_tick(chosen.lr)}"]
    if chosen.momentum:
        named.append(f"momentum {_tick(chosen.momentum)}")
    if chosen.init_scale != 1.0:
        named.append(f"init_scale {_tick(chosen.init_scale)}")
    if chosen.activation != "sigmoid":
        named.append(f"{chosen.activation} hidden units")
    if chosen.weight_decay:
        named.append(f"weight decay {_tick(chosen.weight_decay)}")
    title = f"Loss of {len(rows)} runs of {network} networks, {', '.join(named)}"
    ax.set_title(with_context(title, sweep_context(spec, table)))
    ax.legend(fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return figure
