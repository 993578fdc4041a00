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


def choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def dtype(value):
    """Normalise ``"float64"``, ``np.float32`` and the like to a NumPy scalar type."""
    try:
        key = np.dtype(value).name
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


def real(name, value, *, positive=True, dtype=np.float64):
    """Return ``value`` as a finite ``float``, > 0 (``positive``) or >= 0, that fits ``dtype``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}; got {value}")
    if value > float(np.finfo(dtype).max):
        raise ValueError(f"{name}={value:g} does not fit in {np.dtype(dtype).name}; "
                         "use a smaller value or dtype='float64'")
    return value


def seed(value):
    """Return ``value`` as an ``int`` seed for NumPy's legacy ``RandomState``."""
    return integer("seed", value, minimum=0, maximum=MAX_SEED)


def _numeric_array(name, value):
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
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


def data(X, y, *, loss):
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
        raise ValueError(f"X must be 2-D with shape (n, d); got shape {X.shape}"
                         + ("; use X.reshape(-1, 1) for a single input" if X.ndim == 1 else ""))
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise ValueError(f"y must be 1-D (n,) or 2-D (n, O); got shape {y.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have at least one row and one column; got shape {X.shape}")
    if y.shape[1] == 0:
        raise ValueError(f"y must have at least one output column; got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}; "
                         "pass one target row per input row")
    if loss == "bce" and ((y < 0) | (y > 1)).any():
        raise ValueError("y must lie in [0, 1] with loss='bce' (targets are probabilities); "
                         "rescale y or use loss='mse'")
    return X, y


def weights(value, *, inputs, hidden, outputs):
    """Return user-given starting weights as C-contiguous float64 ``Params`` copies.

    ``hidden=None`` takes the width from ``W1``. Biases may be (H,) or (1, H).
    """
    if not isinstance(value, (tuple, list)) or len(value) != 4:
        raise TypeError("weights must be a tuple (W1, b1, W2, b2) of four arrays")
    W1, b1, W2, b2 = (_numeric_array(name, a) for name, a in zip(Params._fields, value))
    width = W1.shape[1] if (W1.ndim == 2 and hidden is None) else hidden
    expected = {"W1": (inputs, width), "b1": (width,), "W2": (width, outputs), "b2": (outputs,)}
    checked = []
    for name, array in zip(Params._fields, (W1, b1, W2, b2)):
        shape = expected[name]
        if name.startswith("b") and array.shape == (1, *shape):
            array = array[0]
        if array.shape != shape:
            raise ValueError(f"weights {name} must have shape {shape} for {inputs} inputs, "
                             f"{width} hidden units and {outputs} outputs; got {array.shape}")
        checked.append(array)
    return Params(*checked).astype(np.float64)
