"""``xorfast plot``: pictures of a stored sweep; also the figure of ``xorfast train --plot``."""

import argparse
import os

import numpy as np

from .. import _files, plot
from ..options import GRID_AXES
from ..sweeps.results import short_number

#: Resolution of the images the command line writes.
DPI = 120
#: Loss values the training figure aims to log, whatever the number of epochs.
CURVE_POINTS = 200


def add_parser(subparsers):
    """Attach ``plot`` to the top-level parser."""
    parser = subparsers.add_parser(
        "plot",
        help="draw a stored sweep: solved-fraction map and epochs to solve",
        description="Draw the sweep kept in an SQLite store (xorfast sweep --store FILE): "
        "the fraction of runs solved per config as a heat map (with 95% Wilson "
        "intervals), beside the fraction solved by each epoch. More than "
        f"{plot.MAX_CURVES} curves are split into panels, one per value of a grid axis; "
        "when even that does not fit, the lines are told apart by colour only and "
        "the title says so: then draw a slice with --where. "
        "Needs pip install 'xorfast[plot]'. "
        "Example: xorfast plot runs.sqlite --out maps.png --where hidden=2 --where lr=0.1,0.5",
    )
    parser.add_argument("store", metavar="STORE", help="SQLite file written by xorfast sweep")
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="image to write; the format follows the suffix (.png, .svg, .pdf)",
    )
    parser.add_argument(
        "--x",
        choices=GRID_AXES,
        default=None,
        help="grid axis across the map (default: the first that varies)",
    )
    parser.add_argument(
        "--y",
        choices=GRID_AXES,
        default=None,
        help="grid axis up the map (default: the next that varies); other varying axes are pooled",
    )
    parser.add_argument(
        "--where",
        action="append",
        type=where_option,
        default=[],
        metavar="AXIS=VALUES",
        help=f"draw only the runs whose AXIS ({', '.join(GRID_AXES[:-1])} or {GRID_AXES[-1]}) "
        "has one of VALUES, comma-separated values of the sweep's grid, e.g. --where lr=0.1,0.5; "
        "repeat for several axes (runs must match all)",
    )
    parser.add_argument(
        "--log-epochs",
        action="store_true",
        help="draw the epoch axis on a log scale (linear below epoch 1)",
    )
    parser.add_argument(
        "--curves",
        action="store_true",
        help="draw instead the loss curves of one config (a sweep run with --record-every): "
        "median and 10-90%% band of solved and unsolved runs; select the config with --where",
    )
    parser.add_argument(
        "--intervals",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write each map cell's 95%% Wilson interval under its percentage (default: on)",
    )
    parser.set_defaults(run=run)
    return parser


def where_option(text):
    """``--where AXIS=V1,V2``: ``(axis, [numbers])``; an argparse error for any other form."""
    axis, equals, values = text.partition("=")
    axis = axis.strip()
    if not equals or axis not in GRID_AXES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not AXIS=VALUES with AXIS one of {', '.join(GRID_AXES)}; "
            "e.g. --where hidden=2 or --where lr=0.1,0.5"
        )
    numbers = []
    for value in values.split(","):
        value = value.strip()
        if axis == "activation":  # the one axis of names
            numbers.append(value)
            continue
        try:
            numbers.append(int(value) if value.lstrip("+-").isdigit() else float(value))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {value!r} is not a number; give {axis}'s values as "
                f"numbers separated by commas, e.g. --where {axis}=2,4"
            ) from None
    return axis, numbers


def selection(pairs):
    """The ``--where`` options as keyword arguments of ``SweepResult.where``."""
    chosen = {}
    for axis, values in pairs:
        if axis in chosen:
            raise ValueError(
                f"--where names {axis} twice; give all its values in one option, "
                f"comma-separated, e.g. --where {axis}=2,4"
            )
        chosen[axis] = values
    return chosen


def run(args):
    """Load the store, take the --where slice, draw the two panels side by side, save."""
    from ..sweeps.store import load_sweep  # not at import: it loads Numba

    check_output(args.out)
    chosen = selection(args.where)
    if args.curves:
        _check_curve_options(args)
    result = load_sweep(args.store)
    if chosen:
        result = result.where(**chosen)
    if args.curves:
        return _draw_curves(args, result)
    figure = plot.require_matplotlib()(figsize=(13, 4.8), layout="constrained")
    map_axes, curve_axes = figure.subplots(1, 2, width_ratios=[1, 1.15])
    intervals = True if args.intervals is None else args.intervals
    plot.convergence_map(result, args.x, args.y, intervals=intervals, ax=map_axes)
    plot.epochs_to_solve(result, log_epochs=args.log_epochs, ax=curve_axes)
    save_figure(figure, args.out)
    spec = result.spec
    where = "".join(
        f", {axis}={','.join(map(short_number, getattr(spec, axis)))}" for axis in chosen
    )
    print(
        f"{len(result)} of {spec.runs} runs ({len(spec.configs)} configs x "
        f"{len(spec.seeds)} seeds{where}) drawn to {args.out}"
    )
    return 0


def _check_curve_options(args):
    """Refuse the heat map's options beside ``--curves``, which draws no map."""
    given = [flag for flag, value in (("--x", args.x), ("--y", args.y)) if value is not None]
    if args.intervals is not None:
        given.append("--intervals" if args.intervals else "--no-intervals")
    if given:
        raise ValueError(
            f"{', '.join(given)} {'sets' if len(given) == 1 else 'set'} the heat map, "
            "which --curves does not draw; leave "
            f"{'it' if len(given) == 1 else 'them'} out (select the config with --where)"
        )


def _draw_curves(args, result):
    """``--curves``: the loss curves of the one config left by ``--where``."""
    spec = result.spec
    if not spec.record_every:
        raise ValueError(
            f"{args.store} holds no loss curves; run the sweep with --record-every N "
            "to record them"
        )
    if len(spec.configs) > 1:
        varying = ", ".join(spec.varying_axes)
        axis = spec.varying_axes[0]
        raise ValueError(
            f"--curves draws one config and the sweep has {len(spec.configs)} (it varies "
            f"{varying}); pick one with --where, e.g. --where "
            f"{axis}={short_number(getattr(spec, axis)[0])}"
        )
    figure = plot.loss_curves(result, log_epochs=args.log_epochs)
    save_figure(figure, args.out)
    print(f"loss curves of {len(result)} runs drawn to {args.out}")
    return 0


def check_output(path, flag="--out"):
    """Fail before any work when matplotlib is missing or ``path`` cannot be written.

    Returns the image format, from the suffix.
    """
    try:
        plot.require_matplotlib()
    except ImportError as error:
        # A ValueError reaches the user as a one-line error, not a traceback.
        raise ValueError(str(error)) from None
    _files.check_writable(flag, path)
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    if suffix not in formats:
        said = f"suffix .{suffix}" if suffix else "no suffix"
        raise ValueError(
            f"{flag} {path} has {said}; the suffix names the image format, one "
            f"of: {', '.join('.' + name for name in sorted(formats))}"
        )
    return suffix


def save_figure(figure, path):
    """Write ``figure`` to exactly ``path`` (whole or not at all), in the suffix's format."""
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    with _files.atomic_write(path, binary=True) as handle:
        figure.savefig(handle, format=suffix, dpi=DPI)


def plot_log_every(epochs, log_every):
    """The loss-log interval for ``xorfast train --plot``.

    About :data:`CURVE_POINTS` points for a smooth curve, even when printing is
    off (``log_every`` 0), and a divisor of ``log_every`` so that every printed
    epoch is among the logged ones.
    """
    if epochs == 0:
        return 0
    fine = max(epochs // CURVE_POINTS, 1)
    if not log_every:
        return fine
    return max(d for d in range(1, min(fine, log_every) + 1) if log_every % d == 0)


def save_training_figure(path, result, X, data):
    """The loss curve beside the decision boundary (2-input data), saved to ``path``."""
    if len(result.history) == 0:
        print("no figure: with 0 epochs there is no loss curve to draw")
        return
    mse = result.history.mse
    if not (np.isfinite(mse) & (mse > 0)).any():
        print("no figure: the run diverged and logged no finite loss to draw")
        return
    figure = plot.require_matplotlib()(figsize=(11, 4.6), layout="constrained")
    if X.shape[1] == 2 and not result.diverged:
        loss_axes, boundary_axes = figure.subplots(1, 2, width_ratios=[1.1, 1])
        plot.decision_boundary(result, X=X, hidden_lines=True, ax=boundary_axes)
    else:
        figure.set_size_inches(6.4, 4.5)
        loss_axes = figure.add_subplot()
        reason = "the run diverged" if result.diverged else f"{data} has {X.shape[1]} inputs"
        print(f"no decision boundary: {reason}; the figure has the loss curve only")
    plot.loss_curve(result, data=data, ax=loss_axes)
    save_figure(figure, path)
    print(f"figure written to {path}")
