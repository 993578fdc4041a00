"""What a sweep returns: the per-run table and its per-config summary."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .. import _files, _validation
from ..options import GRID_AXES, OPTIONS

if TYPE_CHECKING:
    import pandas

    from .._typing import StrPath
    from ..params import Params
    from ..result import History, TrainResult
    from .spec import SweepSpec

#: One row per (config, seed) run.
RUN_FIELDS = [
    ("config", np.int64),  # index into SweepSpec.configs
    ("hidden", np.int64),
    ("lr", np.float64),
    ("init_scale", np.float64),
    ("epochs", np.int64),
    ("seed", np.int64),
    ("max_error", np.float64),  # largest |output - target| after training
    ("final_mse", np.float64),  # mean squared error after training
    ("epoch_solved", np.int64),  # first epoch with every output within margin of target, or -1
    ("epoch_tol", np.int64),  # first epoch with MSE < tol, or -1
    ("diverged", np.bool_),  # NaN/inf, or units pinned (xorfast.reference.pinned)
    # Grid axes added after the first release go last, so columns keep their places.
    ("momentum", np.float64),
    # Updates the run made: epochs, or fewer for a run that stopped early (stop).
    ("updates", np.int64),
    # Issue 15's grid axes: the hidden units' activation and the weight decay.
    ("activation", "U7"),
    ("weight_decay", np.float64),
]
RUN_DTYPE = np.dtype(RUN_FIELDS)
_RUN_NAMES: tuple[str, ...] = RUN_DTYPE.names or ()

#: One row per config in :meth:`SweepResult.summary`.
SUMMARY_DTYPE = np.dtype(
    [
        ("hidden", np.int64),
        ("lr", np.float64),
        ("init_scale", np.float64),
        ("epochs", np.int64),
        ("runs", np.int64),
        ("solved", np.int64),
        ("solved_fraction", np.float64),
        ("solved_low", np.float64),
        ("solved_high", np.float64),
        ("precise_fraction", np.float64),
        ("epoch_solved_median", np.float64),
        ("epoch_solved_p90", np.float64),
        ("diverged", np.int64),
        ("epoch_solved_mean", np.float64),
        ("epoch_solved_sd", np.float64),
        ("epoch_solved_min", np.float64),
        ("epoch_solved_max", np.float64),
        ("epochs_with_restarts", np.float64),
        ("momentum", np.float64),
        # Issue 15's grid axes, appended.
        ("activation", "U7"),
        ("weight_decay", np.float64),
    ]
)

#: z for a two-sided 95% interval.
Z95 = 1.959963984540054
#: A run is "precise" when every output is within this of its target.
PRECISE_ERROR = 0.1
#: A run solves the task when every output is within this of its target, unless
#: the sweep says otherwise (its ``margin``).
SOLVED_ERROR = 0.5


def empty_table(spec: SweepSpec) -> np.ndarray:
    """The sweep's full table with every run's config and seed filled in, results unset.

    Row ``config * len(spec.seeds) + j`` is seed ``spec.seeds[j]`` of that config.
    """
    configs = spec.configs
    per_config = len(spec.seeds)
    table = np.zeros(len(configs) * per_config, dtype=RUN_DTYPE)
    for config in configs:
        rows = table[config.index * per_config : (config.index + 1) * per_config]
        rows["config"] = config.index
        for axis in GRID_AXES:
            rows[axis] = getattr(config, axis)
        rows["seed"] = spec.seeds
    table["max_error"] = np.nan
    table["final_mse"] = np.nan
    table["epoch_solved"] = -1
    table["epoch_tol"] = -1
    table["updates"] = table["epochs"]
    return table


def derive_updates(table: np.ndarray, stop: str | None) -> None:
    """Set ``table["updates"]`` from the epochs a run stopped at, as ``stop`` says.

    A store keeps no ``updates`` column: a run with ``stop="solved"`` made
    ``epoch_solved`` updates (``"tol"``: ``epoch_tol``), and the whole budget
    ``epochs`` when it never got there or without ``stop``. So every store,
    of every version, gives it back with no change to its format or digests.
    """
    if stop is None:
        table["updates"] = table["epochs"]
        return
    at = table["epoch_solved" if stop == "solved" else "epoch_tol"]
    table["updates"] = np.where(at >= 0, at, table["epochs"])


def recorded_points(epochs: int, every: int) -> int:
    """Values recorded per run of ``epochs`` epochs every ``every``: ``ceil(epochs / every) + 1``.

    Epochs ``0, every, 2 every, ...`` below ``epochs``, then the state after the
    last update; 0 without recording (``every`` 0).
    """
    return -(-epochs // every) + 1 if every else 0


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; ``(nan, nan)`` for no trials."""
    if trials == 0:
        return math.nan, math.nan
    p = successes / trials
    denominator = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2))
    return max(0.0, centre - half), min(1.0, centre + half)


def solved_mask(table: np.ndarray, margin: float = SOLVED_ERROR) -> npt.NDArray[np.bool_]:
    """Runs that solve the task: not diverged, every output within ``margin`` of its target."""
    return ~table["diverged"] & (table["max_error"] < margin)


#: The reader of one run beside each reader of a config's runs.
_ONE_RUN_READER = {"trajectories": "trajectory", "weights": "run", "loss_curves": "trajectory"}


class SweepResult:
    """The outcome of :func:`xorfast.sweep`.

    Attributes
    ----------
    spec : SweepSpec
        What was run.
    table : numpy structured array of dtype :data:`RUN_DTYPE`
        One row per run, ordered by config then by seed as given.
    curves : ndarray (runs, T) or None
        With ``record_every=k``: per row of ``table``, the run's mean squared
        error at epochs 0, k, 2k, ... before that epoch's update, then after
        its last update (``final_mse``); NaN after that (a run that stopped
        early, or a config with fewer epochs than the sweep's largest). Read
        it with :meth:`trajectories` and :meth:`trajectory`.
    kept_weights : ndarray (runs, parameters) or None
        With ``keep_weights=True``: per row, the final W1 (C order), b1, W2
        (C order), b2, NaN past a narrower config's; read it with
        :meth:`weights` and :meth:`run`.
    """

    def __init__(
        self,
        spec: SweepSpec,
        table: npt.ArrayLike,
        curves: np.ndarray | None = None,
        kept_weights: np.ndarray | None = None,
    ) -> None:
        from .spec import kept_values

        self.spec = spec
        self.table = _run_table(table)
        points, parameters = kept_values(spec)
        runs = len(self.table)
        every = f"record_every={spec.record_every}, epochs up to {max(spec.epochs)}"
        self.curves = _kept_array("curves", curves, runs, points, every)
        self.kept_weights = _kept_array(
            "kept_weights", kept_weights, runs, parameters, "W1, b1, W2, b2 of the widest network"
        )

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return (
            f"SweepResult({len(self.spec.configs)} configs x {len(self.spec.seeds)} seeds, "
            f"{len(self)} runs)"
        )

    @property
    def solved(self) -> npt.NDArray[np.bool_]:
        """Boolean mask of the runs that solve the task (``max_error < spec.margin``)."""
        return solved_mask(self.table, self.spec.margin)

    def summary(self) -> np.ndarray:
        """Per-config statistics as a structured array of dtype :data:`SUMMARY_DTYPE`.

        ``solved_low``/``solved_high`` bound the solved fraction with a Wilson
        95% interval; ``precise_fraction`` counts the runs not diverged
        with ``max_error < 0.1``, whatever the margin;
        ``epoch_solved_median`` and ``epoch_solved_p90`` are taken over solved
        runs (NaN when none solved), with NumPy's linear interpolation.

        The figures trial tables in the literature report (Fahlman 1988:
        mean, SD, min and max of the epochs over trials) are over the same
        solved runs: ``epoch_solved_mean``, ``epoch_solved_sd`` (the sample
        standard deviation, ``ddof=1``: NaN for a single solved run),
        ``epoch_solved_min`` and ``epoch_solved_max``; all NaN when none
        solved. :func:`mean_interval` turns mean and SD into the 95% interval
        for the mean of a given number of trials.

        ``epochs_with_restarts`` is the expected number of epochs until a
        solution when every unsolved run is restarted with a fresh seed:
        ``E[T | solved] + epochs * (1 - p) / p`` for solved fraction ``p``,
        each unsolved run costing the whole budget ``epochs``. It is ``inf``
        when no run solved and NaN for a config without runs.
        """
        # One pass over the table grouped by config, not one mask per config.
        order = np.argsort(self.table["config"], kind="stable")
        table = self.table[order]
        configs = self.spec.configs
        bounds = np.searchsorted(table["config"], np.arange(len(configs) + 1))
        rows = []
        for config in configs:
            mine = table[bounds[config.index] : bounds[config.index + 1]]
            solved = solved_mask(mine, self.spec.margin)
            runs = len(mine)
            wins = int(solved.sum())
            epochs = mine["epoch_solved"][solved & (mine["epoch_solved"] >= 0)]
            low, high = wilson_interval(wins, runs)
            rows.append(
                (
                    config.hidden,
                    config.lr,
                    config.init_scale,
                    config.epochs,
                    runs,
                    wins,
                    wins / runs if runs else math.nan,
                    low,
                    high,
                    # Not within solved: a margin below 0.1 must not hide errors under 0.1.
                    float(solved_mask(mine, PRECISE_ERROR).sum()) / runs if runs else math.nan,
                    float(np.median(epochs)) if len(epochs) else math.nan,
                    float(np.percentile(epochs, 90)) if len(epochs) else math.nan,
                    int(mine["diverged"].sum()),
                    *_moments(epochs),
                    _with_restarts(epochs, wins, runs, config.epochs),
                    config.momentum,
                    config.activation,
                    config.weight_decay,
                )
            )
        return np.array(rows, dtype=SUMMARY_DTYPE)

    def format_summary(self, width: int | None = None) -> str:
        """The summary as an aligned text table (grid axes that vary, then statistics).

        Columns: the varying axes, runs, solved fraction (headed
        ``solved<margin`` when the sweep's margin is not 0.5) and its Wilson 95%
        interval, the fraction with ``max_error < 0.1``, then the epochs to
        solve over solved runs as the literature reports them: mean ± sample
        SD and min-max, then the median and 90th percentile, and
        ``restarts``, the expected epochs to a solution with unsolved runs
        restarted (``epochs_with_restarts``; ``inf`` when nothing solved); last
        the diverged count, shown when any run diverged. ``-`` marks a figure
        that is undefined (no solved run, or the SD of one).

        Parameters
        ----------
        width : int, optional
            Fit the table within this many characters a line (``xorfast sweep``
            passes its terminal's width): columns are left out, ``p90`` first,
            then ``min-max``, ``err<0.1`` and the interval, until it fits, and
            a last line names them. Default: every column (a 10,000-seed sweep
            of 10,000-epoch runs over two axes takes about 110 characters with
            the diverged column). :meth:`summary` has every figure as a number.
        """
        if width is not None:
            width = _validation.integer("width", width, minimum=1)
        summary = self.summary()
        axes = self.spec.varying_axes or ("hidden",)
        margin = self.spec.margin
        columns = {
            axis: [
                str(row[axis]) if axis == "activation" else short_number(row[axis])
                for row in summary
            ]
            for axis in axes
        }
        columns["runs"] = [str(row["runs"]) for row in summary]
        solved = "solved" if margin == SOLVED_ERROR else f"solved<{short_number(margin)}"
        columns[solved] = [_percent(row["solved_fraction"]) for row in summary]
        columns["95% interval"] = [
            _range(row["solved_low"], row["solved_high"], _percent) for row in summary
        ]
        columns["err<0.1"] = [_percent(row["precise_fraction"]) for row in summary]
        columns["mean ± SD"] = [
            _mean_sd(row["epoch_solved_mean"], row["epoch_solved_sd"]) for row in summary
        ]
        columns["min-max"] = [
            _range(row["epoch_solved_min"], row["epoch_solved_max"]) for row in summary
        ]
        columns["median"] = [_epochs(row["epoch_solved_median"]) for row in summary]
        columns["p90"] = [_epochs(row["epoch_solved_p90"]) for row in summary]
        columns["restarts"] = [_epochs(row["epochs_with_restarts"]) for row in summary]
        if summary["diverged"].any():
            columns["diverged"] = [str(row["diverged"]) for row in summary]
        widths = {name: max(len(name), *map(len, cells)) for name, cells in columns.items()}
        left_out = []
        for name in ("p90", "min-max", "err<0.1", "95% interval"):
            if width is None or sum(widths.values()) + 2 * (len(widths) - 1) <= width:
                break
            del columns[name], widths[name]
            left_out.append(name)
        text = ["  ".join(name.rjust(widths[name]) for name in columns)]
        text += [
            "  ".join(cells[i].rjust(widths[name]) for name, cells in columns.items())
            for i in range(len(summary))
        ]
        if left_out:
            text.append(f"left out to fit {width} columns: {', '.join(left_out)}")
        return "\n".join(text)

    def columns(self) -> dict[str, np.ndarray]:
        """The table as a dict of 1-D arrays, one per field."""
        return {name: self.table[name] for name in _RUN_NAMES}

    def to_pandas(self) -> pandas.DataFrame:
        """The per-run table as a ``pandas.DataFrame`` (needs ``pip install xorfast[pandas]``)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_pandas() needs pandas: pip install 'xorfast[pandas]'") from None
        return pandas.DataFrame(self.columns())

    def to_csv(self, path: StrPath) -> None:
        """Write the per-run table as CSV with a header row.

        One row per run, the fields of :data:`RUN_DTYPE`: the recorded
        :attr:`curves` and :attr:`kept_weights` are not written (a store keeps
        them, and :func:`~xorfast.sweeps.store.load_sweep` reads them back).
        """
        names = _RUN_NAMES
        with _files.atomic_write(_files.check_writable("path", path), newline="") as handle:
            handle.write(",".join(names) + "\n")
            for row in self.table.tolist():
                handle.write(",".join(_csv_cell(value) for value in row) + "\n")

    def to_json(self, path: StrPath) -> None:
        """Write the specification and the per-run table (as columns) as JSON.

        Strict JSON: a NaN or infinite value (a run not finished, or diverged)
        is written as ``null``, never as a bare ``NaN`` token. As
        :meth:`to_csv`, without the recorded curves and kept weights (the
        specification says whether there were some: ``record_every``,
        ``keep_weights``).
        """
        document = {
            "spec": self.spec.to_dict(),
            "runs": {
                name: [_json_number(value) for value in self.table[name].tolist()]
                for name in _RUN_NAMES
            },
        }
        with _files.atomic_write(_files.check_writable("path", path)) as handle:
            json.dump(document, handle, allow_nan=False)

    def where(self, **selection: object) -> SweepResult:
        """The runs of a slice of the grid, as a SweepResult of their own.

        Parameters
        ----------
        **selection
            A grid axis (``hidden``, ``lr``, ``momentum``, ``init_scale``, ``epochs``,
            ``activation``, ``weight_decay``) and one value of it, or a list of values,
            e.g. ``where(hidden=2, lr=[0.1, 0.5])`` or ``where(activation="tanh")``.
            Each value must be in the sweep's grid (floats match within 1e-9
            relative). Axes not named keep all their values.

        Returns
        -------
        SweepResult
            Exactly the rows whose config matches every named axis, in their
            order here, with a spec narrowed to the chosen values (kept in grid
            order) and each row's ``config`` renumbered to index the narrowed
            spec's configs, so that ``summary()`` and the figures work on it.
            The narrowed spec is for analysis: it has its own fingerprint, so a
            store of the whole sweep does not accept it.

        Raises
        ------
        ValueError
            An axis that is not a grid axis, no value for an axis, or a value
            not in the grid (the message lists the grid's values).

        Examples
        --------
        >>> result = xorfast.sweep(hidden=[2, 4], lr=[0.1, 1.0], seeds=10)  # doctest: +SKIP
        >>> result.where(hidden=2).spec.hidden                             # doctest: +SKIP
        (2,)
        """
        import dataclasses

        kept: dict[str, Any] = {}
        for axis, wanted in selection.items():
            if axis not in GRID_AXES:
                raise ValueError(
                    f"where() selects by grid axis, one of {', '.join(GRID_AXES)}; got {axis!r}"
                )
            grid = tuple(getattr(self.spec, axis))
            values = (
                list(wanted)
                if np.iterable(wanted) and not isinstance(wanted, (str, bytes))
                else [wanted]
            )
            if not values:
                raise ValueError(f"where() got no value for {axis}; give one or a list of them")
            chosen = set()
            for value in values:
                if axis == "activation":  # the one axis of names
                    if not isinstance(value, str):
                        raise ValueError(f"where() takes names for activation; got {value!r}")
                    matches = [i for i, point in enumerate(grid) if point == value]
                    if not matches:
                        raise ValueError(
                            f"activation={value} is not in the sweep's grid; "
                            f"its activation values are {', '.join(grid)}"
                        )
                    chosen.update(matches)
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                    raise ValueError(
                        f"where() takes numbers for {axis}; got {value!r} ({type(value).__name__})"
                    )
                matches = [
                    i for i, point in enumerate(grid) if math.isclose(point, value, rel_tol=1e-9)
                ]
                if not matches:
                    raise ValueError(
                        f"{axis}={short_number(value)} is not in the sweep's grid; "
                        f"its {axis} values are {', '.join(map(short_number, grid))}"
                    )
                chosen.update(matches)
            kept[axis] = tuple(point for i, point in enumerate(grid) if i in chosen)
        spec = dataclasses.replace(self.spec, **kept)

        def key(config: object) -> tuple:
            return tuple(getattr(config, axis) for axis in GRID_AXES)

        new_index = {key(config): config.index for config in spec.configs}
        renumber = np.full(len(self.spec.configs), -1, dtype=np.int64)
        for config in self.spec.configs:
            renumber[config.index] = new_index.get(key(config), -1)
        table = self.table.copy()
        table["config"] = renumber[table["config"]]
        inside = table["config"] >= 0
        return SweepResult(spec, table[inside], *self._kept(inside))

    def _kept(self, rows: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The curves and weights of the rows ``rows`` selects."""
        return (
            None if self.curves is None else self.curves[rows],
            None if self.kept_weights is None else self.kept_weights[rows],
        )

    def _config_rows(self, selection: Mapping[str, object], what: str) -> tuple[Any, np.ndarray]:
        """The config ``selection`` names (every varying grid axis) and its rows' indices."""
        for axis in selection:
            if axis not in GRID_AXES:
                # trajectory() and run() take the seed as their own keyword; the others none.
                one_run = _ONE_RUN_READER.get(what) if axis == "seed" else None
                hint = f"; for one run use {one_run}(seed=..., ...)" if one_run else ""
                raise ValueError(
                    f"{what}() takes the grid axes ({', '.join(GRID_AXES)}); got {axis!r}{hint}"
                )
        missing = [axis for axis in self.spec.varying_axes if axis not in selection]
        if missing:
            raise ValueError(
                f"{what}() is for one config: give {', '.join(missing)} too (the sweep "
                f"varies {', '.join(self.spec.varying_axes)})"
            )
        numbers: dict[str, float | np.number[Any]] = {}
        names: dict[str, str] = {}
        for axis, value in selection.items():
            if axis == "activation":  # the one axis of words
                if not isinstance(value, str):
                    raise ValueError(f"{what}() takes one name for activation; got {value!r}")
                names[axis] = value
            elif isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise ValueError(f"{what}() takes one number for {axis}; got {value!r}")
            else:
                numbers[axis] = value
        for config in self.spec.configs:
            if all(getattr(config, axis) == value for axis, value in names.items()) and all(
                math.isclose(getattr(config, axis), value, rel_tol=1e-9)
                for axis, value in numbers.items()
            ):
                return config, np.flatnonzero(self.table["config"] == config.index)
        wanted = ", ".join(
            [f"{axis}={value}" for axis, value in names.items()]
            + [f"{axis}={short_number(value)}" for axis, value in numbers.items()]
        )
        raise ValueError(f"{wanted} is not a config of the sweep; see result.spec.configs")

    def _seed_row(self, seed: object, rows: np.ndarray, what: str) -> int:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"{what}() needs seed=, one of the sweep's seeds; got {seed!r}")
        found = rows[self.table["seed"][rows] == seed]
        if not len(found):
            raise ValueError(f"seed {seed} is not among this config's runs in the result")
        return int(found[0])

    def _require_curves(self) -> np.ndarray:
        """The recorded curves, or a ValueError saying how to record them."""
        if self.curves is None:
            raise ValueError(
                "this sweep recorded no trajectories; run it with record_every=N "
                "(--record-every N)"
            )
        return self.curves

    def trajectories(self, **config: object) -> tuple[np.ndarray, np.ndarray]:
        """The recorded errors of every run of one config.

        Parameters
        ----------
        **config
            A value of each grid axis the sweep varies (others may be given too),
            e.g. ``trajectories(hidden=2, lr=0.5)``.

        Returns
        -------
        seeds : ndarray of int64 (n,)
            The config's runs in this result, in table order.
        mse : ndarray of float64 (n, T)
            With ``k = spec.record_every`` and ``T = ceil(epochs / k) + 1``: column ``j``
            is the MSE at epoch ``j k`` before that epoch's update, as
            ``train(log_every=k).history.mse``; each row's last value is the
            MSE after its run's last update, in column ``ceil(updates / k)``
            (``T - 1`` unless the run stopped early, then NaN after it).

        Raises
        ------
        ValueError
            The sweep did not record (pass ``record_every``), or no single config matches.
        """
        curves = self._require_curves()
        chosen, rows = self._config_rows(config, "trajectories")
        points = recorded_points(chosen.epochs, self.spec.record_every)
        return self.table["seed"][rows], curves[rows, :points]

    def trajectory(self, *, seed: int, **config: object) -> History:
        """One run's recorded errors, as a :class:`~xorfast.result.History`.

        ``epoch`` is ``0, k, 2k, ...`` below the run's ``updates`` then
        ``updates`` itself; ``mse`` the errors there (see :meth:`trajectories`):
        all but the last are ``train(seed=seed, log_every=k).history``.
        """
        from ..result import History

        curves = self._require_curves()
        _, rows = self._config_rows(config, "trajectory")
        row = self._seed_row(seed, rows, "trajectory")
        every, updates = self.spec.record_every, int(self.table["updates"][row])
        epochs = np.append(np.arange(0, updates, every, dtype=np.int64), updates)
        return History(epochs, curves[row, : len(epochs)].copy())

    def weights(self, **config: object) -> tuple[np.ndarray, Params]:
        """The final weights of every run of one config (``keep_weights=True``).

        Returns
        -------
        seeds : ndarray of int64 (n,)
        params : Params
            ``W1`` (n, inputs, hidden), ``b1`` (n, hidden), ``W2`` (n, hidden,
            outputs), ``b2`` (n, outputs), float64 (float32 runs' values exactly).
        """
        from ..params import Params

        if self.kept_weights is None:
            raise ValueError(
                "this sweep kept no weights; run it with keep_weights=True (--keep-weights)"
            )
        chosen, rows = self._config_rows(config, "weights")
        d, h, o = self.spec.X.shape[1], chosen.hidden, self.spec.y.shape[1]
        flat = self.kept_weights[rows]
        ends = np.cumsum([d * h, h, h * o, o])
        n = len(rows)
        return self.table["seed"][rows], Params(
            flat[:, : ends[0]].reshape(n, d, h),
            flat[:, ends[0] : ends[1]].reshape(n, h),
            flat[:, ends[1] : ends[2]].reshape(n, h, o),
            flat[:, ends[2] : ends[3]].reshape(n, o),
        )

    def run(self, *, seed: int, **config: object) -> TrainResult:
        """One run as a :class:`~xorfast.TrainResult` (``keep_weights=True``).

        Its weights are the run's final ones, its predictions their forward
        pass, and its history the recorded errors but the last (those of
        ``train(log_every=record_every)``; empty without ``record_every``), so
        it goes to :func:`xorfast.plot.decision_boundary` and
        :func:`xorfast.plot.loss_curve` as ``train``'s result would.
        """
        from .. import reference
        from ..params import Params
        from ..result import History, TrainResult

        _, params = self.weights(**config)
        chosen, rows = self._config_rows(config, "run")
        row = self._seed_row(seed, rows, "run")
        at = int(np.flatnonzero(rows == row)[0])
        dtype = np.dtype(self.spec.dtype)
        weights = Params(*(np.array(p[at], dtype=dtype) for p in params))
        X = self.spec.X.astype(dtype)
        predictions = reference.forward(X, weights)[1]
        if self.curves is not None:
            recorded = self.trajectory(seed=seed, **config)
            history = History(recorded.epoch[:-1], recorded.mse[:-1])
        else:
            history = History(np.zeros(0, np.int64), np.zeros(0))
        spec, fields = self.spec, self.table[row]
        # train's config: every option of train but how it logs and its seed. An
        # option a sweep does not take had its default in every run.
        run_config: dict[str, Any] = {}
        for option in OPTIONS.of("train"):
            if option.name in ("seed", "log_every"):
                continue
            if option.name in GRID_AXES:
                run_config[option.name] = getattr(chosen, option.name)
            elif option.name == "backend":
                run_config[option.name] = "numba"
            else:
                run_config[option.name] = getattr(spec, option.name, option.default)
        updates = int(fields["updates"])
        return TrainResult(
            *weights,
            predictions=predictions,
            targets=self.spec.y.astype(dtype),
            history=history,
            diverged=bool(fields["diverged"]),
            seed=int(seed),
            config=run_config,
            seconds=float("nan"),
            updates=updates,
            epoch_stopped=-1 if spec.stop is None else int(fields[f"epoch_{spec.stop}"]),
        )


def _kept_array(name: str, values: Any, runs: int, columns: int, what: str) -> np.ndarray | None:
    """``values`` (a row per run, at least ``columns`` columns), or None; else a ValueError.

    More columns than the spec needs are a slice's (:meth:`SweepResult.where`
    keeps the whole sweep's width).
    """
    if values is None:
        return None
    array = np.asarray(values)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, a row per run; got shape {array.shape}")
    if len(array) != runs:
        raise ValueError(
            f"{name} has {len(array)} rows for a table of {runs} runs; give one row per "
            "row of the table, in its order (slice both alike)"
        )
    if array.shape[1] < columns:
        raise ValueError(
            f"{name} has {array.shape[1]} columns; the sweep's runs need {columns} ({what})"
        )
    return array


def _run_table(table: npt.ArrayLike) -> np.ndarray:
    """``table`` as :data:`RUN_DTYPE`, from the fields of earlier versions too.

    One saved before momentum was an axis has momentum 0; one saved before
    early stop, every run's whole budget of updates (``updates = epochs``).
    """
    array = np.asarray(table)
    names = array.dtype.names
    missing = [name for name in _RUN_NAMES if names is not None and name not in names]
    if missing and set(missing) <= {"momentum", "updates", "activation", "weight_decay"}:
        converted = np.zeros(array.shape, RUN_DTYPE)
        converted["activation"] = "sigmoid"
        for name in names or ():
            converted[name] = array[name]
        if "updates" in missing:
            converted["updates"] = converted["epochs"]
        return converted
    if missing:
        raise TypeError(
            f"table lacks the fields {', '.join(missing)}; a sweep's table has the fields "
            "of xorfast.sweeps.results.RUN_DTYPE (those of SweepResult.table)"
        )
    return np.asarray(array, dtype=RUN_DTYPE)


def mean_interval(mean: float, sd: float, trials: int, z: float = Z95) -> tuple[float, float]:
    """The normal-approximation interval ``mean ± z * sd / sqrt(trials)`` for a mean of trials.

    With ``mean`` and ``sd`` estimated from many runs (a summary's
    ``epoch_solved_mean`` and ``epoch_solved_sd``), this is where the mean
    of ``trials`` independent runs falls with probability about 95%: the
    interval to set beside a published mean of that many trials. With
    ``trials`` equal to the number of runs behind ``mean``, it is the usual
    95% confidence interval for the mean. NaN in, NaN out.

    Examples
    --------
    >>> low, high = mean_interval(129.0, 46.0, trials=25)
    >>> round(low, 1), round(high, 1)
    (111.0, 147.0)
    """
    trials = _validation.integer("trials", trials, minimum=1)
    half = z * sd / math.sqrt(trials)
    return mean - half, mean + half


def _moments(epochs: npt.NDArray[np.int64]) -> tuple[float, float, float, float]:
    """Mean, sample SD (``ddof=1``), min and max; NaN where undefined, without warnings."""
    if len(epochs) == 0:
        return math.nan, math.nan, math.nan, math.nan
    sd = float(np.std(epochs, ddof=1)) if len(epochs) > 1 else math.nan
    return float(np.mean(epochs)), sd, float(epochs.min()), float(epochs.max())


def _with_restarts(epochs: npt.NDArray[np.int64], wins: int, runs: int, budget: int) -> float:
    """``E[T | solved] + budget * (1 - p) / p`` with ``p = wins / runs``, from the counts."""
    if runs == 0:
        return math.nan
    if wins == 0:
        return math.inf
    mean = float(np.mean(epochs)) if len(epochs) else math.nan
    return mean + budget * (runs - wins) / wins


def short_number(value: float | np.number[Any]) -> str:
    """``value`` as ``:g`` writes it (6 significant digits) if that reads back, else in full.

    Momentum 0.99999999 must not print as 1, nor epochs 1234567 as 1.23457e+06.
    """
    text = f"{value:g}"
    if float(text) == value:
        return text
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def _epochs(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def _mean_sd(mean: float, sd: float) -> str:
    return "-" if math.isnan(mean) else f"{mean:.0f} ± {_epochs(sd)}"


def _range(low: float, high: float, number: Callable[[float], str] = _epochs) -> str:
    return "-" if math.isnan(low) else f"{number(low)}-{number(high)}"


def _percent(fraction: float) -> str:
    """``fraction`` as a percentage; ``-`` for NaN (a config without runs)."""
    return "-" if math.isnan(fraction) else f"{fraction:.1%}"


def _json_number(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _csv_cell(value: object) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)
