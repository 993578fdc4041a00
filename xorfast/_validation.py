"""Checks at the boundary: every public entry point converts and checks its input here.

Each function raises a ``TypeError`` or ``ValueError`` that names the argument
and says how to fix it, before any work starts. Kernels never check anything.
"""

import math
import numbers

import numpy as np

from . import datasets
from .params import Params

DTYPES = {"float64": np.float64, "float32": np.float32}
MAX_SEED = 2**32 - 1
#: Largest ``epochs`` (and ``log_every``) of ``train`` and ``sweep``: the sweep
#: kernels count epochs in 32-bit integers, and both take the same bound.
MAX_EPOCHS = 2**31 - 2
#: Largest number of hidden units of one network.
MAX_HIDDEN = 2**16
#: Most memory one ``train`` or ``sweep`` call may allocate for its arrays (4 GiB);
#: larger requests are refused before any work, not left to fail part way.
MAX_BYTES = 2**32


def choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def dtype(value):
    """Normalise ``"float64"``, ``np.float32`` and the like to a NumPy scalar type."""
    try:
        # np.dtype(None) is float64: None is refused rather than read as a choice.
        key = None if value is None else np.dtype(value).name
    except TypeError:
        key = None
    if key not in DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32'; got {value!r}")
    return DTYPES[key]


def integer(name, value, *, minimum, maximum=None):
    """Return ``value`` as an ``int`` in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ValueError(f"{name} must be {bound}; got {value}")
    return value


def real(name, value, *, positive=True, dtype=np.float64, maximum=None):
    """Return ``value`` as a finite ``float``, > 0 (``positive``) or >= 0, that fits ``dtype``.

    ``-0.0`` is returned as ``0.0``.

    Fitting means at most ``maximum`` (default: the largest ``dtype`` value)
    and, unless 0, at least the smallest normal ``dtype`` value, so that it
    neither overflows nor rounds to 0 or a subnormal number there.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}; got {value}")
    info = np.finfo(dtype)
    name_of_dtype = np.dtype(dtype).name
    if value > float(info.max):
        raise ValueError(
            f"{name}={value:g} does not fit in {name_of_dtype}; "
            "use a smaller value or dtype='float64'"
        )
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:g} in {name_of_dtype}; got {value:g}")
    if 0 < value < float(info.tiny):
        raise ValueError(
            f"{name}={value:g} rounds to 0 or a subnormal number in {name_of_dtype} "
            f"(smallest normal value {float(info.tiny):g}); use a larger value"
            + (" or dtype='float64'" if name_of_dtype != "float64" else "")
        )
    # -0.0 is 0: one sweep, one fingerprint, and "0" in every table, never "-0".
    return value + 0.0


def step(lr, rows, reduction, dtype):
    """Refuse an ``lr`` whose step, ``lr / rows`` with ``reduction="mean"``, rounds to 0."""
    if reduction == "mean" and lr / rows < float(np.finfo(dtype).tiny):
        raise ValueError(
            f"lr={lr:g} divided by the {rows} rows (reduction='mean') rounds to 0 "
            f"or a subnormal number in {np.dtype(dtype).name}; use a larger lr, "
            "reduction='sum' or dtype='float64'"
        )


def memory(what, nbytes, fix):
    """Refuse ``what`` when it needs more than :data:`MAX_BYTES` of arrays; ``fix`` says how."""
    if nbytes > MAX_BYTES:
        raise ValueError(
            f"{what} needs about {_size(nbytes)} of memory, more than the limit of "
            f"{_size(MAX_BYTES)}; {fix}"
        )


def _size(nbytes):
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes} bytes"


def seed(value):
    """Return ``value`` as an ``int`` seed for NumPy's legacy ``RandomState``."""
    return integer("seed", value, minimum=0, maximum=MAX_SEED)


def _numeric_array(name, value):
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} must be a plain array, not a masked array (its mask would be "
            f"ignored); pass {name}.filled(...) or drop the masked rows"
        )
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if (
        array.dtype == object
        or array.dtype.kind in "mM"
        or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool)
    ):
        raise TypeError(f"{name} must hold real numbers; got an array of dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must hold real numbers, not complex ones")
    # A private copy in C order, whatever the layout given (Fortran order from
    # a DataFrame, a strided slice, a read-only or unaligned buffer): kernels
    # are compiled for, and the reference's sums run in, that one layout.
    array = np.array(array, dtype=np.float64, order="C", copy=True)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values; pass finite numbers only")
    return array


def numeric_array(name, value) -> np.ndarray:
    """Return ``value`` as a finite float64 array, refusing anything else with its name."""
    return _numeric_array(name, value)


def fits(name, array, dtype) -> np.ndarray:
    """Refuse an array with values too large for ``dtype`` (they would become infinite)."""
    largest = float(np.max(np.abs(array))) if array.size else 0.0
    limit = float(np.finfo(dtype).max)
    if largest > limit:
        raise ValueError(
            f"{name} holds values up to {largest:g}, which do not fit in "
            f"{np.dtype(dtype).name} (largest {limit:g}); rescale {name} or use "
            "dtype='float64'"
        )
    return array


def data(X, y, *, loss) -> tuple[np.ndarray, np.ndarray]:
    """Return the training set as C-contiguous float64 copies ``X`` (n, d) and ``y`` (n, O).

    ``X=None, y=None`` selects the XOR truth table. A 1-D ``y`` is one output.
    """
    if X is None and y is None:
        return datasets.xor()
    if X is None or y is None:
        missing = "X" if X is None else "y"
        raise ValueError(f"{missing} is missing: pass both X and y, or neither for XOR")
    X = _numeric_array("X", X)
    y = _numeric_array("y", y)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D with shape (n, d); got shape {X.shape}"
            + ("; use X.reshape(-1, 1) for a single input" if X.ndim == 1 else "")
        )
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise ValueError(f"y must be 1-D (n,) or 2-D (n, O); got shape {y.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    if y.shape[1] == 0:
        raise ValueError(f"y must have at least one output column; got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but y has {y.shape[0]}; pass one target row per input row"
        )
    if loss == "bce" and ((y < 0) | (y > 1)).any():
        raise ValueError(
            "y must lie in [0, 1] with loss='bce' (targets are probabilities); "
            "rescale y or use loss='mse'"
        )
    return X, y


def weights(value, *, inputs, hidden, outputs):
    """Return user-given starting weights as C-contiguous float64 ``Params`` copies.

    ``hidden=None`` takes the width from ``W1``. Biases may be (H,) or (1, H).
    """
    if not isinstance(value, (tuple, list)) or len(value) != 4:
        raise TypeError("weights must be a tuple (W1, b1, W2, b2) of four arrays")
    W1, b1, W2, b2 = (_numeric_array(name, a) for name, a in zip(Params._fields, value))
    width = W1.shape[1] if (W1.ndim == 2 and hidden is None) else hidden
    if width is not None and not 1 <= width <= MAX_HIDDEN:
        raise ValueError(
            f"weights W1 must have from 1 to {MAX_HIDDEN} columns (hidden units); got {width}"
        )
    expected = {"W1": (inputs, width), "b1": (width,), "W2": (width, outputs), "b2": (outputs,)}
    checked = []
    for name, array in zip(Params._fields, (W1, b1, W2, b2)):
        shape = expected[name]
        if name.startswith("b") and array.shape == (1, *shape):
            array = array[0]
        if array.shape != shape:
            raise ValueError(
                f"weights {name} must have shape {shape} for {inputs} inputs, "
                f"{width} hidden units and {outputs} outputs; got {array.shape}"
            )
        checked.append(array)
    return Params(*checked).astype(np.float64)
