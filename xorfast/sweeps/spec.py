"""The specification of a sweep: data, hyper-parameter grid, seeds; checked, hashable, storable.

A :class:`SweepSpec` is everything that decides a sweep's numbers. Each
(config, seed) pair is one run with the same meaning as :func:`xorfast.train`
with that seed and config. Configs are the Cartesian product of the grid axes
in the order of :data:`xorfast.options.GRID_AXES`, ``hidden, lr, momentum,
init_scale, epochs`` (the last varying fastest).

Specifications are stored as canonical JSON (:meth:`SweepSpec.to_json`).
Version 2 added ``momentum``, ``margin``, ``derivative_offset`` and ``stop``;
a specification that leaves them at the values version 1 meant (momentum 0,
margin 0.5, no offset, no early stop) is still written as version 1, byte for
byte, so stores of earlier versions load, resume and keep their fingerprints.
Version 3 added ``record_every`` and ``keep_weights`` (what a sweep keeps of
each run besides its row); likewise a specification that keeps nothing more
(0 and False) is written as before. Version 4 added the grid axes
``activation`` and ``weight_decay`` (appended last, so configs keep their
indices); at ``["sigmoid"]`` and ``[0.0]`` a specification is written as
before. Version 5 added ``update`` (one value per sweep); at ``"batch"`` a
specification is written as before.
"""

import hashlib
import itertools
import json
import math
from dataclasses import dataclass

import numba
import numpy as np

from .. import _validation
from .._compiled import sweep_kernel
from ..options import GRID_AXES, OPTIONS
from .results import RUN_DTYPE, recorded_points

SPEC_VERSION = 5
#: The options version 2 added, with the value every version 1 specification has.
ADDED_IN_VERSION_2 = {"momentum": [0.0], "margin": 0.5, "derivative_offset": 0.0, "stop": None}
#: The options version 3 added, with the value every earlier specification has.
ADDED_IN_VERSION_3 = {"record_every": 0, "keep_weights": False}
#: The options version 4 added (grid axes), with the value every earlier specification has.
ADDED_IN_VERSION_4 = {"activation": ["sigmoid"], "weight_decay": [0.0]}
#: The options version 5 added, with the value every earlier specification has.
ADDED_IN_VERSION_5 = {"update": "batch"}
#: Per version after the first, the options it added, newest first.
_ADDED = (
    (5, ADDED_IN_VERSION_5),
    (4, ADDED_IN_VERSION_4),
    (3, ADDED_IN_VERSION_3),
    (2, ADDED_IN_VERSION_2),
)
#: The options a sweep takes besides its seeds, each a field of :class:`SweepSpec`:
#: the grid axes in grid order, then the others in the table's order.
SPEC_OPTIONS = GRID_AXES + tuple(
    option.name for option in OPTIONS.of("sweep") if option.axis is None and option.name != "seeds"
)


@dataclass(frozen=True)
class Config:
    """One point of the grid: its index and a value of each of :data:`GRID_AXES`."""

    index: int
    hidden: int
    lr: float
    momentum: float
    init_scale: float
    epochs: int
    activation: str = "sigmoid"
    weight_decay: float = 0.0


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """A checked sweep specification. Build it with :func:`make_spec`.

    Its fields after ``seeds`` are :data:`SPEC_OPTIONS`: a tuple of values for
    each grid axis, one value for each other option (a test keeps them equal).
    """

    X: np.ndarray
    y: np.ndarray
    seeds: np.ndarray  # int64, unique, in the order given
    hidden: tuple
    lr: tuple
    momentum: tuple
    init_scale: tuple
    epochs: tuple
    activation: tuple
    weight_decay: tuple
    loss: str
    reduction: str
    derivative_offset: float
    update: str
    margin: float
    init: str
    bias_init: str
    dtype: str
    tol: float
    stop: str | None
    record_every: int = 0
    keep_weights: bool = False

    @property
    def configs(self):
        """Every grid point, in grid order."""
        points = itertools.product(*(getattr(self, axis) for axis in GRID_AXES))
        return [Config(i, **dict(zip(GRID_AXES, point))) for i, point in enumerate(points)]

    @property
    def varying_axes(self):
        """The grid axes that take more than one value."""
        return tuple(axis for axis in GRID_AXES if len(getattr(self, axis)) > 1)

    @property
    def runs(self):
        """Number of (config, seed) runs."""
        return math.prod(len(getattr(self, axis)) for axis in GRID_AXES) * len(self.seeds)

    def to_dict(self):
        """A JSON-ready description; :func:`spec_from_dict` reverses it exactly.

        The earliest version whose options hold it: the options a later
        version added (:data:`ADDED_IN_VERSION_2` to :data:`ADDED_IN_VERSION_5`)
        are left out while at the values every earlier version meant, so a
        specification at those values is written byte for byte as before.
        """
        options = {
            name: list(getattr(self, name)) if name in GRID_AXES else getattr(self, name)
            for name in SPEC_OPTIONS
        }
        version = SPEC_VERSION
        for added_in, added in _ADDED:
            if not all(options[name] == value for name, value in added.items()):
                break
            version = added_in - 1
            for name in added:
                del options[name]
        return {
            "version": version,
            "X": self.X.tolist(),
            "y": self.y.tolist(),
            "seeds": self.seeds.tolist(),
            **options,
        }

    def to_json(self):
        """Canonical JSON text (sorted keys, exact float round trip)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def fingerprint(self):
        """SHA-256 of the canonical JSON: equal exactly for equal specifications."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


def spec_from_dict(description):
    """Rebuild a :class:`SweepSpec` from :meth:`SweepSpec.to_dict` output (version 1 to 5).

    The description is checked as :func:`make_spec` checks its arguments (but
    for the memory limits, which depend on the machine): a missing or unknown
    field, or a value a sweep would refuse, raises a ``ValueError`` or
    ``TypeError`` naming the field. A store's checksum says its text is
    intact, not that the text is a sweep this xorfast would run.
    """
    if not isinstance(description, dict):
        raise TypeError(
            f"a sweep specification is a dict (SweepSpec.to_dict()); got "
            f"{type(description).__name__}"
        )
    version = description.get("version")
    # type(), not isinstance: True is an int, and 2.0 is no version number.
    if type(version) is not int or version not in range(1, SPEC_VERSION + 1):
        raise ValueError(
            f"sweep specification version {version!r} is not "
            f"supported (this xorfast reads versions 1 to {SPEC_VERSION})"
        )
    fields = ["version", "X", "y", "seeds", *SPEC_OPTIONS]
    for added_in, added in _ADDED:
        if version < added_in:
            fields = [name for name in fields if name not in added]
    missing = [name for name in fields if name not in description]
    if missing:
        raise ValueError(f"sweep specification version {version} lacks {', '.join(missing)}")
    unknown = sorted(set(description) - set(fields))
    if unknown:
        added = next(
            (
                f" (version {added_in} added them)"
                for added_in, options in _ADDED
                if set(unknown) <= set(options)
            ),
            "",
        )
        raise ValueError(
            f"sweep specification version {version} has no field {', '.join(unknown)}{added}"
        )
    for added_in, added in _ADDED:
        if version < added_in:
            description = {**added, **description}
    for name, what in (("X", "rows"), ("y", "rows"), ("seeds", "seeds")):
        if not isinstance(description[name], list):
            raise TypeError(
                f"sweep specification: {name} must be a list of {what}; got {description[name]!r}"
            )
    for name in GRID_AXES:
        if not isinstance(description[name], list):
            raise TypeError(
                f"sweep specification: {name} must be a list of values; got {description[name]!r}"
            )
    given = OPTIONS.check("sweep", {name: description[name] for name in ("seeds", *SPEC_OPTIONS)})
    X, y = _validation.data(description["X"], description["y"], loss=given["loss"])
    _validation.fits("X", X, given["dtype"])
    _validation.fits("y", y, given["dtype"])
    # An online update's gradient is one row's: no 1/n.
    step_rows = 1 if given["update"] != "batch" else X.shape[0]
    for value in given["lr"]:
        _validation.step(value, step_rows, given["reduction"], given["dtype"])
    # Built from the description's own values, as before the checks: every
    # stored specification reads back to its own fingerprint.
    return SweepSpec(
        X=np.array(description["X"], dtype=np.float64),
        y=np.array(description["y"], dtype=np.float64),
        seeds=np.array(description["seeds"], dtype=np.int64),
        **{
            name: tuple(description[name])
            if name in GRID_AXES
            else None
            if description[name] is None and OPTIONS[name].optional
            else OPTIONS[name].type(description[name])
            for name in SPEC_OPTIONS
        },
    )


def _check_runs(runs):
    """Refuse more runs than the per-run table can hold within the memory limit."""
    _validation.memory(
        f"a table of {runs:,} runs",
        runs * RUN_DTYPE.itemsize,
        f"run at most {_validation.MAX_BYTES // RUN_DTYPE.itemsize:,} runs "
        "(configs x seeds) per sweep, e.g. several sweeps of fewer seeds",
    )


def _group_bytes(inputs, hidden, outputs, rows, itemsize, momentum=False):
    """Bytes of one lane group's buffers in the sweep kernels (state, activations, errors).

    With ``momentum`` the velocities too, one per parameter like the state.
    """
    state = inputs * hidden + hidden + hidden * outputs + outputs
    if momentum:
        state *= 2
    return (state + 2 * rows * (hidden + outputs)) * sweep_kernel.LANES * itemsize


def kept_values(spec):
    """Per run, the errors recorded and the weights kept: ``(points, parameters)``.

    ``points`` is ``ceil(epochs / record_every) + 1`` for the configs' largest
    ``epochs`` (0 without ``record_every``), ``parameters`` those of the
    widest config (0 without ``keep_weights``).
    """
    inputs, outputs = spec.X.shape[1], spec.y.shape[1]
    points = recorded_points(max(spec.epochs), spec.record_every)
    widest = max(spec.hidden)
    parameters = state_size(inputs, widest, outputs) if spec.keep_weights else 0
    return points, parameters


def state_size(inputs, hidden, outputs):
    """The parameters of one network: W1, b1, W2, b2."""
    return inputs * hidden + hidden + hidden * outputs + outputs


def _check_memory(spec):
    """Refuse a sweep whose table and kernel buffers together exceed the memory limit."""
    _check_runs(spec.runs)
    rows, inputs = spec.X.shape
    threads = numba.config.NUMBA_NUM_THREADS
    widest = max(spec.hidden)
    buffers = threads * _group_bytes(
        inputs,
        widest,
        spec.y.shape[1],
        rows,
        np.dtype(spec.dtype).itemsize,
        momentum=any(value > 0 for value in spec.momentum),
    )
    points, parameters = kept_values(spec)
    # The recorded errors and kept weights of every run, in float64, and a lane
    # group's recording buffer per thread.
    kept = spec.runs * (points + parameters) * 8 + threads * points * sweep_kernel.LANES * 8
    _validation.memory(
        f"a sweep of {inputs}-{widest}-{spec.y.shape[1]} networks on {rows} rows "
        f"({threads} threads)",
        buffers + spec.runs * RUN_DTYPE.itemsize + kept,
        "use fewer hidden units, rows or seeds" + (", or a larger record_every" if points else ""),
    )


def make_spec(
    X=None,
    y=None,
    *,
    seeds=OPTIONS.seeds.default,
    hidden=OPTIONS.hidden.default,
    lr=OPTIONS.lr.default,
    momentum=OPTIONS.momentum.default,
    epochs=OPTIONS.epochs.default,
    loss=OPTIONS.loss.default,
    reduction=OPTIONS.reduction.default,
    derivative_offset=OPTIONS.derivative_offset.default,
    margin=OPTIONS.margin.default,
    init=OPTIONS.init.default,
    init_scale=OPTIONS.init_scale.default,
    bias_init=OPTIONS.bias_init.default,
    dtype=OPTIONS.dtype.default,
    tol=OPTIONS.tol.default,
    stop=OPTIONS.stop.default,
    record_every=OPTIONS.record_every.default,
    keep_weights=OPTIONS.keep_weights.default,
    activation=OPTIONS.activation.default,
    weight_decay=OPTIONS.weight_decay.default,
    update=OPTIONS.update.default,
):
    """Check every argument of :func:`xorfast.sweep` and build its :class:`SweepSpec`."""
    given = OPTIONS.check("sweep", locals())
    X, y = _validation.data(X, y, loss=given["loss"])
    scalar_type = given["dtype"]
    X, y = _validation.fits("X", X, scalar_type), _validation.fits("y", y, scalar_type)
    seeds = given["seeds"]
    if not isinstance(seeds, np.ndarray):  # a count
        _check_runs(seeds)
        seeds = np.arange(seeds, dtype=np.int64)
    options = {name: given[name] for name in SPEC_OPTIONS}
    options["dtype"] = np.dtype(scalar_type).name
    spec = SweepSpec(X=X, y=y, seeds=seeds, **options)
    # An online update's gradient is one row's: no 1/n.
    step_rows = 1 if spec.update != "batch" else X.shape[0]
    for value in spec.lr:
        _validation.step(value, step_rows, spec.reduction, scalar_type)
    _check_memory(spec)
    return spec
