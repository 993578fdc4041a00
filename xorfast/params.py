"""The network's parameters, and how a seed turns into initial values.

A 2-layer network with ``d`` inputs, ``H`` hidden units and ``O`` outputs has
four arrays: ``W1`` (d, H), ``b1`` (H,), ``W2`` (H, O) and ``b2`` (O,).

Seeds map to weights exactly as in the programs xorfast grew from::

    np.random.seed(seed)
    W1 = np.random.randn(d, H) * init_scale
    W2 = np.random.randn(H, O) * init_scale
    b1 = np.zeros(H); b2 = np.zeros(O)

A private ``RandomState(seed)`` produces the same stream as the global
``np.random.seed(seed)`` without touching NumPy's global state.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["Params", "initial_params", "INITS", "BIAS_INITS"]

INITS = ("normal", "uniform")
BIAS_INITS = ("zeros", "same")


class Params(NamedTuple):
    """The four parameter arrays of a two-layer network."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def astype(self, dtype: npt.DTypeLike) -> Params:
        """Return C-contiguous copies of all four arrays in ``dtype``."""
        return Params(*(np.array(a, dtype=dtype, order="C", copy=True) for a in self))

    def all_finite(self) -> bool:
        """True when no parameter is NaN or infinite."""
        return all(bool(np.isfinite(a).all()) for a in self)


_generators = threading.local()


def _legacy_generator(seed: int) -> np.random.RandomState:
    """A thread's own ``RandomState``, re-seeded with ``seed``.

    Re-seeding gives exactly the stream of ``RandomState(seed)``; constructing
    a new one first seeds it from the operating system, about 0.1 ms that a
    single short run would otherwise spend on nothing.
    """
    generator = getattr(_generators, "state", None)
    if generator is None:
        generator = _generators.state = np.random.RandomState(0)
    generator.seed(seed)
    return generator


def _draw(
    rng: np.random.RandomState, init: str, init_scale: float, shape: tuple[int, ...]
) -> np.ndarray:
    if init == "normal":
        return rng.randn(*shape) * init_scale
    return rng.uniform(-init_scale, init_scale, size=shape)


def initial_params(
    inputs: int,
    hidden: int,
    outputs: int,
    *,
    seed: int,
    init: str = "normal",
    init_scale: float = 1.0,
    bias_init: str = "zeros",
    dtype: npt.DTypeLike = np.float64,
) -> Params:
    """Draw the starting parameters for one run.

    Parameters
    ----------
    inputs, hidden, outputs : int
        Layer widths ``d``, ``H`` and ``O``.
    seed : int
        Seed of NumPy's legacy ``RandomState`` (0 to 2**32 - 1).
    init : {"normal", "uniform"}
        Weights from ``randn * init_scale`` or from ``U(-init_scale, init_scale)``.
    init_scale : float
        Standard deviation (normal) or half-width (uniform) of the weights.
    bias_init : {"zeros", "same"}
        Zero biases, or biases drawn from the weights' distribution after the
        weights (``b1`` then ``b2``).
    dtype : numpy dtype
        Values are drawn in float64 and then rounded to ``dtype``.

    Returns
    -------
    Params

    Examples
    --------
    >>> p = initial_params(2, 4, 1, seed=42)
    >>> np.random.seed(42); bool(np.array_equal(p.W1, np.random.randn(2, 4)))
    True
    """
    rng = _legacy_generator(seed)
    W1 = _draw(rng, init, init_scale, (inputs, hidden))
    W2 = _draw(rng, init, init_scale, (hidden, outputs))
    if bias_init == "same":
        b1 = _draw(rng, init, init_scale, (hidden,))
        b2 = _draw(rng, init, init_scale, (outputs,))
    else:
        b1 = np.zeros(hidden)
        b2 = np.zeros(outputs)
    return Params(W1, b1, W2, b2).astype(dtype)
