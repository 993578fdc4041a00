"""The network's parameters, and how a seed turns into initial values.

A 2-layer network with ``d`` inputs, ``H`` hidden units and ``O`` outputs has
four arrays: ``W1`` (d, H), ``b1`` (H,), ``W2`` (H, O) and ``b2`` (O,).

Seeds map to weights exactly as in the programs xorfast grew from::

    np.random.seed(seed)
    W1 = np.random.randn(d, H) * init_scale
    W2 = np.random.randn(H, O) * init_scale
    b1 = np.zeros(H); b2 = np.zeros(O)

With ``init="uniform"`` each ``randn(...) * init_scale`` is instead
``uniform(-init_scale, init_scale, size=...)``. With ``init="glorot"`` (Glorot
& Bengio 2010) each weight matrix is drawn from
``uniform(-limit, limit, size=(fan_in, fan_out))`` with
``limit = init_scale * sqrt(6 / (fan_in + fan_out))``: ``(d, H)`` for ``W1`` and
``(H, O)`` for ``W2`` (see :func:`glorot_limit`). With ``bias_init="same"``
the biases are drawn after both weight matrices, ``b1`` (H,) then ``b2`` (O,),
each from its layer's weight distribution (for glorot: ``b1`` with ``W1``'s
limit, ``b2`` with ``W2``'s).

A private ``RandomState(seed)`` produces the same stream as the global
``np.random.seed(seed)`` without touching NumPy's global state.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["Params", "initial_params", "glorot_limit", "INITS", "BIAS_INITS"]

INITS = ("normal", "uniform", "glorot")
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


def glorot_limit(fan_in: int, fan_out: int, init_scale: float = 1.0) -> float:
    """Half-width of one layer's glorot draws: ``init_scale * sqrt(6 / (fan_in + fan_out))``.

    ``fan_in`` and ``fan_out`` are the layer's input and output widths: ``d``
    and ``H`` for ``W1``, ``H`` and ``O`` for ``W2``.
    """
    return init_scale * math.sqrt(6 / (fan_in + fan_out))


def _draw(
    rng: np.random.RandomState, init: str, scale: float, shape: tuple[int, ...]
) -> np.ndarray:
    """``randn * scale`` for "normal", else ``U(-scale, scale)``, of ``shape``."""
    if init == "normal":
        return rng.randn(*shape) * scale
    return rng.uniform(-scale, scale, size=shape)


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
    init : {"normal", "uniform", "glorot"}
        Weights from ``randn * init_scale``, from ``U(-init_scale, init_scale)``,
        or, for "glorot", each matrix from ``U(-limit, limit)`` with
        ``limit = init_scale * sqrt(6 / (fan_in + fan_out))``
        (:func:`glorot_limit`; ``d, H`` for ``W1`` and ``H, O`` for ``W2``).
    init_scale : float
        Standard deviation (normal) or half-width (uniform) of the weights, or
        the factor on the glorot limit.
    bias_init : {"zeros", "same"}
        Zero biases, or biases drawn after both weight matrices (``b1`` then
        ``b2``), each from its layer's weight distribution: ``b1`` like ``W1``
        and ``b2`` like ``W2`` (the same for both layers unless glorot).
    dtype : numpy dtype
        Values are drawn in float64 and then rounded to ``dtype``.

    Returns
    -------
    Params

    Raises
    ------
    ValueError, TypeError
        A width, seed, ``init``, ``init_scale`` or ``bias_init`` that
        :func:`xorfast.train` would refuse (a misspelt ``init`` must not draw
        another distribution).

    Examples
    --------
    >>> p = initial_params(2, 4, 1, seed=42)
    >>> np.random.seed(42); bool(np.array_equal(p.W1, np.random.randn(2, 4)))
    True
    """
    from . import _validation  # imports this module: checked here, not at import
    from .options import OPTIONS

    for name, width in (("inputs", inputs), ("hidden", hidden), ("outputs", outputs)):
        _validation.integer(name, width, minimum=1)
    seed = OPTIONS.seed.check(seed)
    init = OPTIONS.init.check(init)
    init_scale = OPTIONS.init_scale.check(init_scale)  # within float64, where draws are made
    bias_init = OPTIONS.bias_init.check(bias_init)
    if init == "glorot":
        scale1 = glorot_limit(inputs, hidden, init_scale)
        scale2 = glorot_limit(hidden, outputs, init_scale)
    else:
        scale1 = scale2 = init_scale
    rng = _legacy_generator(seed)
    W1 = _draw(rng, init, scale1, (inputs, hidden))
    W2 = _draw(rng, init, scale2, (hidden, outputs))
    if bias_init == "same":
        b1 = _draw(rng, init, scale1, (hidden,))
        b2 = _draw(rng, init, scale2, (outputs,))
    else:
        b1 = np.zeros(hidden)
        b2 = np.zeros(outputs)
    return Params(W1, b1, W2, b2).astype(dtype)
