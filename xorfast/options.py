"""The table of training options: one record per hyper-parameter of ``train`` and ``sweep``.

Each :class:`Option` says an option's name, type, domain (its choices or
bounds, with the checks that depend on the dtype), default, help text, which
of ``train`` and ``sweep`` take it, whether a sweep may take several values of
it (a grid axis, and its place in the grid) and its command-line flag.
:func:`xorfast.train`, the sweep specification (:mod:`xorfast.sweeps.spec`),
the command line and README's table of options (``tools/options_table.py``)
all read :data:`OPTIONS`; :meth:`Options.check` checks a call's values.

A new option is one more :class:`Option` in :data:`OPTIONS` (and a keyword in
the signatures that take it, with its default read from here).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _validation
from .params import BIAS_INITS, INITS
from .reference import ACTIVATIONS, LOSSES, REDUCTIONS, UPDATES

__all__ = [
    "Option",
    "Options",
    "OPTIONS",
    "GRID_AXES",
    "DEFAULT_BLOCK_SIZE",
    "BACKENDS",
    "Choice",
    "Flag",
    "Integer",
    "Real",
]

#: How ``train`` runs: the fused compiled kernel, or the plain NumPy reference.
BACKENDS = ("numba", "numpy")

#: When a run may end before its epoch budget (None: never).
STOPS = ("solved", "tol")

#: Where an option applies: ``xorfast.train`` (and ``xorfast train``), ``xorfast.sweep``.
TRAIN, SWEEP = "train", "sweep"


@dataclass(frozen=True)
class Choice:
    """One of a few strings."""

    values: tuple[str, ...]

    def check(self, name: str, value: Any, dtype: Any) -> Any:
        """``value`` if it is one of the choices."""
        return _validation.choice(name, value, self.values)

    def describe(self) -> str:
        """The domain in README's words."""
        return ", ".join(f'`"{value}"`' for value in self.values)


@dataclass(frozen=True)
class DType(Choice):
    """A floating-point type by name, or the NumPy type or dtype itself; checked to its type."""

    def check(self, name: str, value: Any, dtype: Any) -> Any:
        """``value`` as its NumPy scalar type."""
        return _validation.dtype(value)


@dataclass(frozen=True)
class Integer:
    """An integer from ``minimum`` to ``maximum`` (no upper bound if None)."""

    minimum: int
    maximum: int | None = None

    def check(self, name: str, value: Any, dtype: Any) -> int:
        """``value`` as an ``int`` within the bounds."""
        return _validation.integer(name, value, minimum=self.minimum, maximum=self.maximum)

    def describe(self) -> str:
        """The domain in README's words."""
        if self.maximum is None:
            return f"integer ≥ {self.minimum}"
        return f"integer, {self.minimum} to {self.maximum:,}"


@dataclass(frozen=True)
class Real:
    """A finite real number, > 0 (``positive``) or >= 0, that fits the run's dtype.

    Fitting means at least the smallest normal value of the dtype unless 0,
    and at most its largest value, or ``maximum(dtype)`` when given. With
    ``below``, the number must also be less than it (a bound like 1 for a
    fraction, not a limit of the dtype).
    """

    positive: bool = True
    maximum: Callable[[Any], float] | None = None
    #: The bound ``maximum`` sets, in README's words.
    maximum_text: str = ""
    below: float | None = None

    def check(self, name: str, value: Any, dtype: Any) -> float:
        """``value`` as a ``float`` that fits ``dtype``."""
        largest = None if self.maximum is None else self.maximum(dtype)
        value = _validation.real(name, value, positive=self.positive, dtype=dtype, maximum=largest)
        if self.below is not None:
            sign = "> 0" if self.positive else ">= 0"
            if value >= self.below:
                # In full: 1.0000001 printed as "1" would hide what is wrong.
                raise ValueError(f"{name} must be {sign} and < {self.below:g}; got {value!r}")
            # The run computes in its dtype: a value just below the bound may round to it
            # there (0.99999999 is 1.0 in float32).
            kind = np.dtype(dtype).type
            if float(kind(value)) >= self.below:
                largest_below = float(np.nextafter(kind(self.below), kind(0)))
                raise ValueError(
                    f"{name}={value!r} rounds to {self.below:g} in {np.dtype(dtype).name}, "
                    f"and {name} must be {sign} and < {self.below:g} there; use at most "
                    f"{largest_below!r} or dtype='float64'"
                )
        return value

    def describe(self) -> str:
        """The domain in README's words."""
        sign = "> 0" if self.positive else "≥ 0"
        if self.below is not None:
            return f"real {sign} and < {self.below:g}"
        return f"real {sign}, at most {self.maximum_text or 'the largest value of `dtype`'}"


@dataclass(frozen=True)
class Seeds:
    """A count ``n`` of seeds (``0 .. n-1``), or distinct seeds each from 0 to 2**32 - 1."""

    def check(self, name: str, value: Any, dtype: Any) -> int | np.ndarray:
        """The count as an ``int`` (its table is checked by the caller), or the seeds (int64)."""
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return _validation.integer(name, value, minimum=1)
        if isinstance(value, (str, bytes)) or not np.iterable(value):
            raise TypeError(f"{name} must be a count or an iterable of integers; got {value!r}")
        values = [_validation.seed(seed) for seed in value]
        if not values:
            raise ValueError(f"{name} is empty; give a count or at least one seed")
        array = np.array(values, dtype=np.int64)
        unique, counts = np.unique(array, return_counts=True)
        if (counts > 1).any():
            raise ValueError(
                f"{name} lists {unique[counts > 1][:5].tolist()} more than once; "
                "each seed must appear once"
            )
        return array

    def describe(self) -> str:
        """The domain in README's words."""
        return f"a count ≥ 1, or distinct seeds from 0 to {_validation.MAX_SEED:,}"


@dataclass(frozen=True)
class Flag:
    """True or False (a switch on the command line)."""

    def check(self, name: str, value: Any, dtype: Any) -> bool:
        """``value`` as a ``bool``."""
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {value!r}")
        return bool(value)

    def describe(self) -> str:
        """The domain in README's words."""
        return "`True` or `False`"


Domain = Choice | Integer | Real | Seeds | Flag

#: ``cli_default`` of an option whose command-line default is its Python default.
SAME: Any = object()


@dataclass(frozen=True)
class Option:
    """One hyper-parameter: what it is, what it may be, and how it is asked for."""

    name: str
    #: The type of one value: ``int``, ``float`` or ``str`` (what the command line converts to).
    type: type
    default: Any
    domain: Domain
    #: One line for ``--help``; the command line adds the grid note and the default.
    help: str
    #: What README's table says the option means (default: ``help``).
    doc: str = ""
    #: Which of ``train`` and ``sweep`` take it, as :data:`TRAIN` and :data:`SWEEP`.
    scopes: tuple[str, ...] = (TRAIN, SWEEP)
    #: Its place among a sweep's grid axes (the last varies fastest); None: one value a sweep.
    axis: int | None = None
    #: ``train`` takes None for "not given" (and picks the value, as ``doc`` says).
    optional: bool = False
    metavar: str | None = None
    #: The command line's default, where it differs from ``default``.
    cli_default: Any = SAME
    #: The command line's default in words, where ``str(cli_default)`` would not do.
    default_text: str = ""
    #: The choices (for a :class:`Choice` domain), else None.
    choices: tuple[str, ...] | None = field(init=False)

    def __post_init__(self) -> None:
        choices = self.domain.values if isinstance(self.domain, Choice) else None
        object.__setattr__(self, "choices", choices)

    @property
    def flag(self) -> str:
        """The command-line flag: ``--init-scale`` for ``init_scale``."""
        return "--" + self.name.replace("_", "-")

    @property
    def cli_default_value(self) -> Any:
        """The command line's default value."""
        return self.default if self.cli_default is SAME else self.cli_default

    @property
    def cli_default_words(self) -> str:
        """The command line's default, as ``--help`` says it."""
        return self.default_text or str(self.cli_default_value)

    def check(self, value: Any, dtype: Any = np.float64, *, name: str = "") -> Any:
        """``value`` checked and converted, or a ``TypeError``/``ValueError`` naming the option.

        ``dtype`` is the run's (already checked) scalar type, for the fit checks;
        ``name`` is how the error calls the option (default: its name).
        """
        return self.domain.check(name or self.name, value, dtype)

    def check_axis(self, values: Any, dtype: Any = np.float64) -> tuple[Any, ...]:
        """A grid axis: one value or a sequence of distinct values, each checked, as a tuple."""
        if isinstance(values, (str, bytes)) or not np.iterable(values):
            values = [values]
        values = list(values)
        if not values:
            raise ValueError(f"{self.name} is an empty sequence; give at least one value")
        checked = tuple(self.check(value, dtype) for value in values)
        if len(set(checked)) != len(checked):
            raise ValueError(
                f"{self.name} lists a value twice: {list(checked)}; give each value once"
            )
        if isinstance(self.domain, Real):
            # Runs compute in their dtype: two values equal there would be two configs
            # with the same runs under different labels.
            kind = np.dtype(dtype).type
            seen: dict[Any, float] = {}
            for value in checked:
                other = seen.setdefault(kind(value), value)
                if other != value:
                    raise ValueError(
                        f"{self.name} values {other!r} and {value!r} are the same number "
                        f"in {np.dtype(dtype).name} ({float(kind(value))!r}), so their "
                        "runs would be identical; give values that differ there, or "
                        "dtype='float64'"
                    )
        return checked


class Options(Mapping[str, Option]):
    """The records by name, in the table's order (that of ``--help`` and README)."""

    def __init__(self, *records: Option) -> None:
        self._records = {record.name: record for record in records}
        if len(self._records) != len(records):
            raise ValueError("two options share a name")
        axes = sorted(record.axis for record in records if record.axis is not None)
        if axes != list(range(len(axes))):
            raise ValueError(f"grid axes must be numbered 0 .. n-1; got {axes}")

    def __getitem__(self, name: str) -> Option:
        return self._records[name]

    def __getattr__(self, name: str) -> Option:
        try:
            return self.__dict__["_records"][name]
        except KeyError:
            raise AttributeError(f"no option {name!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def of(self, scope: str) -> tuple[Option, ...]:
        """The options ``scope`` (:data:`TRAIN` or :data:`SWEEP`) takes, in table order."""
        return tuple(record for record in self._records.values() if scope in record.scopes)

    @property
    def grid_axes(self) -> tuple[str, ...]:
        """The names of the options a sweep may vary, in grid order."""
        axes = [record for record in self._records.values() if record.axis is not None]
        return tuple(record.name for record in sorted(axes, key=lambda record: record.axis or 0))

    def pick(self, scope: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The entries of ``values`` (a call's ``locals()``, parsed arguments) ``scope`` takes."""
        return {record.name: values[record.name] for record in self.of(scope)}

    def check(
        self, scope: str, values: Mapping[str, Any], *, skip: Iterable[str] = ()
    ) -> dict[str, Any]:
        """Every option of ``scope`` in ``values`` (but those in ``skip``), checked, by name.

        The choices come first, ``dtype`` among them, since the numbers are
        checked to fit it (``dtype`` is returned as its NumPy scalar type); the
        rest follow in table order. In a sweep the grid axes are tuples of
        values (:meth:`Option.check_axis`), never None; elsewhere an optional
        option given as None stays None.
        """
        skipped = set(skip)
        records = [record for record in self.of(scope) if record.name not in skipped]
        records.sort(key=lambda record: record.choices is None)
        dtype: Any = np.float64
        checked: dict[str, Any] = {}
        for record in records:
            value = values[record.name]
            if scope == SWEEP and record.axis is not None:
                checked[record.name] = record.check_axis(value, dtype)
            elif scope == SWEEP and _several(value) and record.name != "seeds":
                raise TypeError(
                    f"{record.name} takes one value in a sweep, not several ({value!r}); "
                    f"the grid axes, which take several, are {', '.join(self.grid_axes)}: "
                    f"run one sweep per {record.name}"
                )
            elif record.optional and value is None:
                checked[record.name] = None
            else:
                checked[record.name] = record.check(value, dtype)
            if record.name == "dtype":
                dtype = checked["dtype"]
        _check_together(checked)
        order = [record.name for record in self.of(scope) if record.name in checked]
        return {name: checked[name] for name in order}


def _several(value: Any) -> bool:
    """Whether ``value`` is a sequence or array of values rather than one (a string is one)."""
    return not isinstance(value, (str, bytes)) and bool(np.iterable(value))


def _check_together(checked: Mapping[str, Any]) -> None:
    """Refuse combinations of options that are each fine alone."""
    if checked.get("derivative_offset") and checked.get("loss") == "bce":
        raise ValueError(
            f"derivative_offset={checked['derivative_offset']:g} acts on the sigmoid "
            "derivative of the squared-error gradient, which loss='bce' does not have; "
            "use loss='mse' or derivative_offset=0"
        )


def _init_scale_maximum(dtype: Any) -> float:
    # Draws from ``randn`` stay below 64 in size, and ``uniform(-s, s)`` needs
    # ``2 s`` finite, so every initial weight fits when init_scale <= max / 64.
    return float(np.finfo(dtype).max) / 64


#: The table. Its order is that of ``--help`` and README; ``axis`` gives the grid's.
OPTIONS = Options(
    Option(
        "hidden",
        int,
        4,
        Integer(1, _validation.MAX_HIDDEN),
        "hidden units",
        doc="hidden units `H` (`train`: default 4, or the width of `weights`)",
        axis=0,
        optional=True,
        metavar="H",
    ),
    Option(
        "epochs",
        int,
        10_000,
        Integer(0, _validation.MAX_EPOCHS),
        "training epochs",
        doc="gradient steps, each over the whole data set",
        axis=4,
        metavar="N",
    ),
    Option(
        "lr",
        float,
        0.1,
        Real(),
        "learning rate",
        doc='learning rate; with `reduction="mean"`, `lr` / rows must not round to 0 either',
        axis=1,
        metavar="LR",
    ),
    Option(
        "momentum",
        float,
        0.0,
        Real(positive=False, below=1.0),
        "heavy-ball momentum, in [0, 1); 0 is plain gradient descent",
        doc="heavy-ball momentum (Rumelhart, Hinton & Williams 1986): "
        "`velocity = momentum * velocity - lr * gradient; parameter += velocity`, "
        "velocities starting at 0; 0 is plain gradient descent",
        axis=2,
        metavar="M",
    ),
    Option(
        "loss",
        str,
        "bce",
        Choice(LOSSES),
        "bce: output error A2 - y; mse: (A2 - y) A2 (1 - A2)",
        doc='`"bce"`: output error `A2 - y` (binary cross-entropy through the sigmoid); '
        '`"mse"`: `(A2 - y) A2 (1 - A2)` (squared error `½(A2 - y)²` through the sigmoid)',
    ),
    Option(
        "reduction",
        str,
        "mean",
        Choice(REDUCTIONS),
        "average or sum the gradient over rows",
        doc='`"mean"` divides the gradient by the number of rows, `"sum"` does not',
    ),
    Option(
        "derivative_offset",
        float,
        0.0,
        Real(positive=False),
        "added to the output units' sigmoid derivative, >= 0; needs --loss mse",
        doc="Fahlman's (1988) flat-spot fix: the output error becomes "
        '`(A2 - y) (A2 (1 - A2) + derivative_offset)`; only with `loss="mse"` '
        "(`bce` has no derivative factor to offset)",
        metavar="D",
    ),
    Option(
        "activation",
        str,
        "sigmoid",
        Choice(ACTIVATIONS),
        "the hidden units' activation; the outputs stay sigmoid",
        doc='the hidden units\' activation, `"sigmoid"` (derivative `A1 (1 - A1)`) or `"tanh"` '
        "(derivative `1 - A1²`); the outputs stay sigmoid",
        axis=5,
    ),
    Option(
        "weight_decay",
        float,
        0.0,
        Real(positive=False),
        "L2 weight decay, >= 0: each weight's gradient gains weight_decay * weight "
        "(biases not decayed)",
        doc="L2 weight decay: the gradient of each weight gains `weight_decay * weight` at "
        "every update (after the `reduction`); the biases are not decayed",
        axis=6,
        metavar="WD",
    ),
    Option(
        "update",
        str,
        "batch",
        Choice(UPDATES),
        "one update per epoch from all rows, or one per row (online: rows in order; "
        "shuffled: a new order each epoch, from the seed)",
        doc='`"batch"`: one update per epoch from all rows; `"online"`: one update per row, '
        "rows in order, each from its row's gradient alone (no `1/n`: `reduction` acts on "
        'one row); `"shuffled"`: online in a new order each epoch, a function of `seed` and '
        "the epoch (`xorfast.reference.shuffled_order`). An epoch is one pass either way; "
        "the history, `epoch_solved` and `stop` look at the forward pass at the start of "
        "each epoch. One value for a whole sweep, each row that of `train(update=..., "
        "seed=s)`",
    ),
    Option(
        "margin",
        float,
        0.5,
        Real(below=1.0),
        "a run is solved when every output is within this of its target, in (0, 1); "
        "0.4 is Fahlman's 40-20-40 rule",
        doc="success criterion: solved means every output within `margin` of its target "
        "(`max_error < margin`); 0.4 is Fahlman's 40-20-40 rule",
        metavar="MARGIN",
    ),
    Option(
        "init",
        str,
        "normal",
        Choice(INITS),
        "initial weight distribution",
        doc='weights from `randn * init_scale` (`"normal"`), from '
        '`U(-init_scale, init_scale)` (`"uniform"`), or from `U(-g, g)` with '
        '`g = init_scale * sqrt(6 / (fan_in + fan_out))` per weight matrix (`"glorot"`)',
    ),
    Option(
        "init_scale",
        float,
        1.0,
        Real(
            positive=False,
            maximum=_init_scale_maximum,
            maximum_text="the largest value of `dtype` / 64",
        ),
        "std (normal), half-width (uniform) or factor of the Glorot limit (glorot) of the weights",
        doc="standard deviation (normal), half-width (uniform) or factor of the Glorot "
        "limit (glorot) of the initial weights",
        axis=3,
        metavar="S",
    ),
    Option(
        "bias_init",
        str,
        "zeros",
        Choice(BIAS_INITS),
        "zero biases, or drawn like the weights",
        doc='`"zeros"`, or `"same"` to draw the biases like the weights (after them)',
    ),
    Option(
        "dtype",
        str,
        "float64",
        DType(tuple(_validation.DTYPES)),
        "floating-point precision",
        doc='`"float64"` or `"float32"` (or the NumPy type): the precision of the whole run',
    ),
    Option(
        "seed",
        int,
        None,
        Integer(0, _validation.MAX_SEED),
        "seed for the initial weights (and, with --update shuffled, the rows' order)",
        doc="`np.random.seed(seed)`, then `W1 = randn(d, H) * init_scale`, "
        "`W2 = randn(H, O) * init_scale`, zero biases — exactly the original programs; "
        "with `update='shuffled'` also each epoch's order of the rows. "
        "Omitted: a random seed, reported as `result.seed`. Not together with `weights`, "
        "unless `update='shuffled'` (then it seeds the order alone).",
        scopes=(TRAIN,),
        optional=True,
        default_text="a random one, printed",
    ),
    Option(
        "log_every",
        int,
        0,
        Integer(0, _validation.MAX_EPOCHS),
        "print the loss every N epochs, 0 for never",
        doc="record the forward pass's mean squared error every so many epochs (0: never), "
        "before that epoch's update, into `result.history.epoch` / `result.history.mse`; "
        "`xorfast train` prints it, by default every tenth of the epochs",
        scopes=(TRAIN,),
        metavar="N",
        cli_default=None,
        default_text="a tenth of the epochs",
    ),
    Option(
        "backend",
        str,
        "numba",
        Choice(BACKENDS),
        "compiled kernel or NumPy reference",
        doc='`"numba"` (the fused kernel) or `"numpy"` (the reference)',
        scopes=(TRAIN,),
    ),
    Option(
        "seeds",
        int,
        1000,
        Seeds(),
        "runs per config, seeds 0 .. N-1",
        doc="a count `n` (seeds 0 .. n-1) or the seeds themselves; each is one `train` seed",
        scopes=(SWEEP,),
        metavar="N",
    ),
    Option(
        "tol",
        float,
        1e-2,
        Real(),
        "epoch_tol is the first epoch with MSE below this",
        doc="`epoch_tol` is the first epoch with mean squared error below `tol` "
        '(and where `stop="tol"` ends a run)',
    ),
    Option(
        "stop",
        str,
        None,
        Choice(STOPS),
        "end each run at its first solved epoch, or its first with MSE below tol",
        doc='`None`: every run trains its full `epochs`; `"solved"`: a run ends at its '
        'first solved epoch (`epoch_solved`); `"tol"`: at its first epoch with mean '
        "squared error below `tol`. `epochs` stays the budget",
        optional=True,
        default_text="never: the full epoch budget",
    ),
    Option(
        "record_every",
        int,
        0,
        Integer(0, _validation.MAX_EPOCHS),
        "record each run's MSE every N epochs into --store, 0 for never",
        doc="record each run's mean squared error at epochs 0, N, 2N, ... before that "
        "epoch's update (as `train(log_every=N).history.mse`), then after its last update; "
        "read with `result.trajectories(...)` / `result.trajectory(...)` (0: never)",
        scopes=(SWEEP,),
        metavar="N",
    ),
    Option(
        "keep_weights",
        bool,
        False,
        Flag(),
        "keep each run's final weights in --store",
        doc="keep each run's final `W1, b1, W2, b2`; read with `result.weights(...)`, "
        "or `result.run(seed=...)` for a `TrainResult` the plots take",
        scopes=(SWEEP,),
    ),
)

#: The options a sweep may vary, in grid order (the last varies fastest).
GRID_AXES = OPTIONS.grid_axes

#: Seeds per block of a sweep: the unit of work, of progress and of one store
#: transaction. Here, not in the sweeper, so that the command line's help reads it
#: without importing Numba.
DEFAULT_BLOCK_SIZE = 1024
