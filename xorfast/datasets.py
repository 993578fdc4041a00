"""Small Boolean data sets: the XOR truth table and its relatives.

Every function returns ``(X, y)`` as float64 arrays, ``X`` of shape ``(n, d)``
with the rows in binary counting order (``00, 01, 10, 11`` for two inputs) and
``y`` of shape ``(n, 1)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["xor", "and_", "or_", "nand", "parity", "load", "NAMES"]

MAX_PARITY_BITS = 10

#: ``(X, y)``, both float64.
Dataset: TypeAlias = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


def _truth_table(bits: int) -> npt.NDArray[np.float64]:
    """All ``2**bits`` binary input rows in counting order, most significant bit first."""
    rows = np.arange(2**bits)[:, None]
    shifts = np.arange(bits - 1, -1, -1)[None, :]
    return ((rows >> shifts) & 1).astype(np.float64)


def _two_input(rule: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Dataset:
    X = _truth_table(2)
    y = rule(X[:, 0], X[:, 1]).astype(np.float64)[:, None]
    return X, y


def xor() -> Dataset:
    """Exclusive or of two inputs: the classic data set and xorfast's default.

    Returns
    -------
    X : ndarray of shape (4, 2)
    y : ndarray of shape (4, 1)
        ``[0, 1, 1, 0]``.

    Examples
    --------
    >>> X, y = xor()
    >>> y.ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    return _two_input(lambda a, b: a != b)


def and_() -> Dataset:
    """Logical and of two inputs; ``y`` is ``[0, 0, 0, 1]``."""
    return _two_input(lambda a, b: (a == 1) & (b == 1))


def or_() -> Dataset:
    """Logical or of two inputs; ``y`` is ``[0, 1, 1, 1]``."""
    return _two_input(lambda a, b: (a == 1) | (b == 1))


def nand() -> Dataset:
    """Negated and of two inputs; ``y`` is ``[1, 1, 1, 0]``."""
    return _two_input(lambda a, b: ~((a == 1) & (b == 1)))


def parity(bits: int) -> Dataset:
    """Parity of ``bits`` inputs: 1 when an odd number of them is 1.

    Parameters
    ----------
    bits : int
        Number of inputs, 2 to 10. ``parity(2)`` is XOR.

    Returns
    -------
    X : ndarray of shape (2**bits, bits)
    y : ndarray of shape (2**bits, 1)
    """
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)):
        raise TypeError(f"bits must be an integer from 2 to {MAX_PARITY_BITS}, got {bits!r}")
    if not 2 <= bits <= MAX_PARITY_BITS:
        raise ValueError(f"bits must be from 2 to {MAX_PARITY_BITS}, got {bits}")
    X = _truth_table(int(bits))
    y = (X.sum(axis=1) % 2)[:, None]
    return X, y


_NAMED = {"xor": xor, "and": and_, "or": or_, "nand": nand}
NAMES = (*_NAMED, *(f"parity{b}" for b in range(2, MAX_PARITY_BITS + 1)))


def load(name: str) -> Dataset:
    """Return the data set called ``name``: ``xor``, ``and``, ``or``, ``nand`` or ``parityN``.

    Examples
    --------
    >>> X, y = load("parity3")
    >>> X.shape, y.shape
    ((8, 3), (8, 1))
    """
    key = str(name).lower()
    if key in _NAMED:
        return _NAMED[key]()
    if key.startswith("parity") and key[len("parity") :].isdigit():
        return parity(int(key[len("parity") :]))
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(NAMES)}")
