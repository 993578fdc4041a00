"""The specification of a sweep: data, hyper-parameter grid, seeds; checked, hashable, storable.

A :class:`SweepSpec` is everything that decides a sweep's numbers. Each
(config, seed) pair is one run with the same meaning as :func:`xorfast.train`
with that seed and config. Configs are the Cartesian product of the grid axes
in the order ``hidden, lr, init_scale, epochs`` (the last varying fastest).
"""

import hashlib
import itertools
import json
import math
import numbers
from dataclasses import dataclass

import numba
import numpy as np

from .. import _validation, reference
from .._compiled import sweep_kernel
from ..params import BIAS_INITS, INITS
from .results import RUN_DTYPE

#: The hyper-parameters that may take several values, in grid order.
GRID_AXES = ("hidden", "lr", "init_scale", "epochs")
SPEC_VERSION = 1
#: The sweep kernels count epochs in 32-bit integers; ``train`` takes the same bound.
MAX_EPOCHS = _validation.MAX_EPOCHS


@dataclass(frozen=True)
class Config:
    """One point of the grid."""

    index: int
    hidden: int
    lr: float
    init_scale: float
    epochs: int


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """A checked sweep specification. Build it with :func:`make_spec`."""

    X: np.ndarray
    y: np.ndarray
    seeds: np.ndarray  # int64, unique, in the order given
    hidden: tuple
    lr: tuple
    init_scale: tuple
    epochs: tuple
    loss: str
    reduction: str
    init: str
    bias_init: str
    dtype: str
    tol: float

    @property
    def configs(self):
        """Every grid point, in grid order."""
        points = itertools.product(self.hidden, self.lr, self.init_scale, self.epochs)
        return [Config(i, *point) for i, point in enumerate(points)]

    @property
    def varying_axes(self):
        """The grid axes that take more than one value."""
        return tuple(axis for axis in GRID_AXES if len(getattr(self, axis)) > 1)

    @property
    def runs(self):
        """Number of (config, seed) runs."""
        return math.prod(len(getattr(self, axis)) for axis in GRID_AXES) * len(self.seeds)

    def to_dict(self):
        """A JSON-ready description; :func:`spec_from_dict` reverses it exactly."""
        return {
            "version": SPEC_VERSION,
            "X": self.X.tolist(),
            "y": self.y.tolist(),
            "seeds": self.seeds.tolist(),
            **{axis: list(getattr(self, axis)) for axis in GRID_AXES},
            "loss": self.loss,
            "reduction": self.reduction,
            "init": self.init,
            "bias_init": self.bias_init,
            "dtype": self.dtype,
            "tol": self.tol,
        }

    def to_json(self):
        """Canonical JSON text (sorted keys, exact float round trip)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def fingerprint(self):
        """SHA-256 of the canonical JSON: equal exactly for equal specifications."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


def spec_from_dict(description):
    """Rebuild a :class:`SweepSpec` from :meth:`SweepSpec.to_dict` output."""
    if description.get("version") != SPEC_VERSION:
        raise ValueError(
            f"sweep specification version {description.get('version')!r} is not "
            f"supported (this xorfast writes version {SPEC_VERSION})"
        )
    return SweepSpec(
        X=np.array(description["X"], dtype=np.float64),
        y=np.array(description["y"], dtype=np.float64),
        seeds=np.array(description["seeds"], dtype=np.int64),
        **{axis: tuple(description[axis]) for axis in GRID_AXES},
        loss=description["loss"],
        reduction=description["reduction"],
        init=description["init"],
        bias_init=description["bias_init"],
        dtype=description["dtype"],
        tol=float(description["tol"]),
    )


def _axis(name, values, check):
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        values = [values]
    values = list(values)
    if not values:
        raise ValueError(f"{name} is an empty sequence; give at least one value")
    checked = tuple(check(name, value) for value in values)
    if len(set(checked)) != len(checked):
        raise ValueError(f"{name} lists a value twice: {list(checked)}; give each value once")
    return checked


def _seeds(seeds):
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        count = _validation.integer("seeds", seeds, minimum=1)
        _check_runs(count)
        return np.arange(count, dtype=np.int64)
    if isinstance(seeds, (str, bytes)) or not np.iterable(seeds):
        raise TypeError(f"seeds must be a count or an iterable of integers; got {seeds!r}")
    values = [_validation.seed(value) for value in seeds]
    if not values:
        raise ValueError("seeds is empty; give a count or at least one seed")
    array = np.array(values, dtype=np.int64)
    unique, counts = np.unique(array, return_counts=True)
    if (counts > 1).any():
        raise ValueError(
            f"seeds lists {unique[counts > 1][:5].tolist()} more than once; "
            "each seed must appear once"
        )
    return array


def _check_runs(runs):
    """Refuse more runs than the per-run table can hold within the memory limit."""
    _validation.memory(
        f"a table of {runs:,} runs",
        runs * RUN_DTYPE.itemsize,
        f"run at most {_validation.MAX_BYTES // RUN_DTYPE.itemsize:,} runs "
        "(configs x seeds) per sweep, e.g. several sweeps of fewer seeds",
    )


def _group_bytes(inputs, hidden, outputs, rows, itemsize):
    """Bytes of one lane group's buffers in the sweep kernels (state, activations, errors)."""
    state = inputs * hidden + hidden + hidden * outputs + outputs
    return (state + 2 * rows * (hidden + outputs)) * sweep_kernel.LANES * itemsize


def _check_memory(spec):
    """Refuse a sweep whose table and kernel buffers together exceed the memory limit."""
    _check_runs(spec.runs)
    rows, inputs = spec.X.shape
    threads = numba.config.NUMBA_NUM_THREADS
    widest = max(spec.hidden)
    buffers = threads * _group_bytes(
        inputs, widest, spec.y.shape[1], rows, np.dtype(spec.dtype).itemsize
    )
    _validation.memory(
        f"a sweep of {inputs}-{widest}-{spec.y.shape[1]} networks on {rows} rows "
        f"({threads} threads)",
        buffers + spec.runs * RUN_DTYPE.itemsize,
        "use fewer hidden units, rows or seeds",
    )


def make_spec(
    X=None,
    y=None,
    *,
    seeds=1000,
    hidden=4,
    lr=0.1,
    epochs=10_000,
    loss="bce",
    reduction="mean",
    init="normal",
    init_scale=1.0,
    bias_init="zeros",
    dtype="float64",
    tol=1e-2,
):
    """Check every argument of :func:`xorfast.sweep` and build its :class:`SweepSpec`."""
    loss = _validation.choice("loss", loss, reference.LOSSES)
    reduction = _validation.choice("reduction", reduction, reference.REDUCTIONS)
    init = _validation.choice("init", init, INITS)
    bias_init = _validation.choice("bias_init", bias_init, BIAS_INITS)
    scalar_type = _validation.dtype(dtype)
    tol = _validation.real("tol", tol, dtype=scalar_type)
    X, y = _validation.data(X, y, loss=loss)
    X, y = _validation.fits("X", X, scalar_type), _validation.fits("y", y, scalar_type)
    spec = SweepSpec(
        X=X,
        y=y,
        seeds=_seeds(seeds),
        hidden=_axis(
            "hidden",
            hidden,
            lambda n, v: _validation.integer(n, v, minimum=1, maximum=_validation.MAX_HIDDEN),
        ),
        lr=_axis("lr", lr, lambda n, v: _validation.real(n, v, dtype=scalar_type)),
        init_scale=_axis(
            "init_scale", init_scale, lambda n, v: _validation.init_scale(v, scalar_type)
        ),
        epochs=_axis(
            "epochs", epochs, lambda n, v: _validation.integer(n, v, minimum=0, maximum=MAX_EPOCHS)
        ),
        loss=loss,
        reduction=reduction,
        init=init,
        bias_init=bias_init,
        dtype=np.dtype(scalar_type).name,
        tol=tol,
    )
    for value in spec.lr:
        _validation.step(value, X.shape[0], reduction, scalar_type)
    _check_memory(spec)
    return spec
