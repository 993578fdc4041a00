"""Small Boolean data sets: the XOR truth table and its relatives, and the encoders.

Every function returns ``(X, y)`` as float64 arrays, ``X`` of shape ``(n, d)``
and ``y`` of shape ``(n, O)``. The truth tables (``xor`` .. ``parity``) have
their rows in binary counting order (``00, 01, 10, 11`` for two inputs) and one
output; the encoders map each of their ``n`` patterns to itself (``d = O = n``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "xor",
    "and_",
    "or_",
    "nand",
    "parity",
    "encoder",
    "complement_encoder",
    "load",
    "NAMES",
]

MAX_PARITY_BITS = 10
#: Largest ``n`` of :func:`encoder` and :func:`complement_encoder`.
MAX_ENCODER_SIZE = 64

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


def _encoder_size(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an integer from 2 to {MAX_ENCODER_SIZE}, got {n!r}")
    if not 2 <= n <= MAX_ENCODER_SIZE:
        raise ValueError(f"n must be from 2 to {MAX_ENCODER_SIZE}, got {n}")
    return int(n)


def encoder(n: int) -> Dataset:
    """The n-M-n encoder: ``n`` one-hot patterns, each mapped to itself.

    Row ``i`` of ``X`` has its single 1 at input ``i``, and ``y`` equals ``X``.
    With ``M`` hidden units this is Fahlman's (1988) 10-5-10 encoder
    (``encoder(10)``, 5 hidden) or the "tight" 4-2-4 and 8-3-8 encoders
    (``M = log2(n)``).

    Parameters
    ----------
    n : int
        Number of patterns, inputs and outputs, 2 to 64.

    Returns
    -------
    X : ndarray of shape (n, n)
        The identity matrix.
    y : ndarray of shape (n, n)
        The same.

    Examples
    --------
    >>> X, y = encoder(4)
    >>> X[1].tolist(), bool((X == y).all())
    ([0.0, 1.0, 0.0, 0.0], True)
    """
    X = np.eye(_encoder_size(n))
    return X, X.copy()


def complement_encoder(n: int) -> Dataset:
    """The complement encoder: ``n`` patterns of all ones but a single zero, each mapped to itself.

    Row ``i`` of ``X`` has its single 0 at input ``i``, and ``y`` equals ``X``:
    :func:`encoder` with every bit flipped.

    Parameters
    ----------
    n : int
        Number of patterns, inputs and outputs, 2 to 64.

    Returns
    -------
    X : ndarray of shape (n, n)
        One minus the identity matrix.
    y : ndarray of shape (n, n)
        The same.
    """
    X = 1 - np.eye(_encoder_size(n))
    return X, X.copy()


_NAMED = {"xor": xor, "and": and_, "or": or_, "nand": nand}
#: Data sets of one size parameter, by the prefix of their names: ``parity3``, ``encoder10``.
_SIZED: dict[str, Callable[[int], Dataset]] = {
    "parity": parity,
    "encoder": encoder,
    "complement_encoder": complement_encoder,
}
#: Every name :func:`load` accepts.
NAMES = (
    *_NAMED,
    *(f"parity{b}" for b in range(2, MAX_PARITY_BITS + 1)),
    *(f"encoder{n}" for n in range(2, MAX_ENCODER_SIZE + 1)),
    *(f"complement_encoder{n}" for n in range(2, MAX_ENCODER_SIZE + 1)),
)
#: :data:`NAMES` in a few words, for messages and ``--help``.
NAMES_SUMMARY = (
    f"{', '.join(_NAMED)}, parity2 .. parity{MAX_PARITY_BITS}, "
    f"encoderN or complement_encoderN (N from 2 to {MAX_ENCODER_SIZE})"
)


def load(name: str) -> Dataset:
    """Return the data set called ``name`` (one of :data:`NAMES`).

    That is ``xor``, ``and``, ``or``, ``nand``, ``parityN`` (:func:`parity`),
    ``encoderN`` (:func:`encoder`) or ``complement_encoderN``
    (:func:`complement_encoder`).

    Examples
    --------
    >>> X, y = load("parity3")
    >>> X.shape, y.shape
    ((8, 3), (8, 1))
    >>> load("encoder10")[1].shape
    (10, 10)
    """
    key = str(name).lower()
    if key in _NAMED:
        return _NAMED[key]()
    for prefix, make in _SIZED.items():
        size = key[len(prefix) :]
        # Only the names NAMES lists: ASCII digits, no leading zero ("encoder010").
        if key.startswith(prefix) and size.isascii() and size.isdigit() and size[0] != "0":
            try:
                return make(int(size))
            except ValueError as error:  # a size out of range
                raise ValueError(
                    f"unknown data set {name!r}: {error}; choose {NAMES_SUMMARY}"
                ) from None
    raise ValueError(f"unknown data set {name!r}; choose {NAMES_SUMMARY}")
